package account_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

// picture encodes a small image with encode.
func picture(t *testing.T, encode func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, 4, 3), color.Palette{color.White, color.Black})
	var b bytes.Buffer
	if err := encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngOf(t *testing.T) []byte {
	return picture(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) })
}

// webpHeader is the start of a lossless WebP file: a RIFF header whose size covers the
// file, the WEBP form and a VP8L chunk.
func webpHeader() []byte {
	b := []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
	return b
}

// avatarsAt serves pictures at https://accounts.test/media/<id>.
func avatarsAt(id string) string { return "https://accounts.test/media/" + id }

func TestUploadAvatar(t *testing.T) {
	ctx := context.Background()
	upload := func(f *fixture, userID int64, img []byte) (account.User, error) {
		bio := "kept only with the picture"
		return f.svc.UpdateProfile(ctx, userID, account.ProfileChanges{Bio: &bio, Avatar: &account.AvatarUpload{Image: img, URL: avatarsAt}}, account.RequestMeta{})
	}
	t.Run("each_image_type_stored_and_served_with_its_type", func(t *testing.T) {
		f := newFixture(t)
		u := f.activeUser(t, "painter", "correct-horse-battery")
		for want, img := range map[string][]byte{
			"image/png":  pngOf(t),
			"image/jpeg": picture(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }),
			"image/gif":  picture(t, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) }),
			"image/webp": webpHeader(),
		} {
			got, err := upload(f, u.ID, img)
			if err != nil {
				t.Fatalf("%s: %v", want, err)
			}
			id := strings.TrimPrefix(got.Profile.AvatarURL, "https://accounts.test/media/")
			if id == got.Profile.AvatarURL || len(id) < 20 {
				t.Fatalf("%s: avatar URL %q, want one under the door's address with a random id", want, got.Profile.AvatarURL)
			}
			a, err := f.svc.Avatar(ctx, id)
			if err != nil || a.ContentType != want || !bytes.Equal(a.Data, img) || a.UserID != u.ID {
				t.Fatalf("%s: Avatar(%s) = %s %d bytes of user %d, %v", want, id, a.ContentType, len(a.Data), a.UserID, err)
			}
		}
	})
	t.Run("unfit_files_refused_and_nothing_changed", func(t *testing.T) {
		f := newFixture(t)
		u := f.activeUser(t, "forger", "correct-horse-battery")
		png := pngOf(t)
		huge := append(append([]byte{}, png...), make([]byte, account.MaxAvatarBytes)...)
		// A GIF that declares a 20000 × 20000 picture in 40 bytes.
		bomb := []byte("GIF89a\x20\x4e\x20\x4e\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
		for name, c := range map[string]struct {
			img  []byte
			code string
		}{
			"empty":               {[]byte{}, "required"},
			"svg":                 {[]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), "unsupported_type"},
			"html":                {[]byte(`<!DOCTYPE html><script>alert(document.cookie)</script>`), "unsupported_type"},
			"html_after_spaces":   {[]byte("   \n<html><script>alert(1)</script></html>"), "unsupported_type"},
			"text":                {[]byte("just text"), "unsupported_type"},
			"png_magic_then_html": {append([]byte("\x89PNG\r\n\x1a\n"), `<script>alert(1)</script>`...), "unsupported_type"},
			"riff_not_webp":       {[]byte("RIFF\x04\x00\x00\x00WAVEfmt "), "unsupported_type"},
			"too_large":           {huge, "too_large"},
			"huge_dimensions":     {bomb, "too_large"},
		} {
			_, err := upload(f, u.ID, c.img)
			var ve *account.ValidationError
			if !errors.As(err, &ve) || ve.Problems[0].Field != "avatar" || ve.Problems[0].Code != c.code {
				t.Errorf("%s: err = %v, want a problem %s with the avatar", name, err, c.code)
			}
		}
		after, err := f.store.UserByID(ctx, u.ID)
		if err != nil || after.Profile != u.Profile {
			t.Fatalf("profile after refused uploads = %+v, %v; want it unchanged %+v", after.Profile, err, u.Profile)
		}
	})
	t.Run("replaced_or_removed_picture_no_longer_served", func(t *testing.T) {
		f := newFixture(t)
		u := f.activeUser(t, "changer", "correct-horse-battery")
		idOf := func(u account.User) string {
			return strings.TrimPrefix(u.Profile.AvatarURL, "https://accounts.test/media/")
		}
		first, err := upload(f, u.ID, pngOf(t))
		if err != nil {
			t.Fatal(err)
		}
		second, err := upload(f, u.ID, pngOf(t))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Avatar(ctx, idOf(first)); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("replaced picture: %v, want ErrNotFound", err)
		}
		// Changing other fields, or setting the same URL again, keeps the picture.
		same, country := second.Profile.AvatarURL, "NZ"
		if _, err := f.svc.UpdateProfile(ctx, u.ID, account.ProfileChanges{Country: &country, AvatarURL: &same}, account.RequestMeta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Avatar(ctx, idOf(second)); err != nil {
			t.Errorf("picture after an unrelated change: %v", err)
		}
		elsewhere := "https://images.example.com/me.png"
		if _, err := f.svc.UpdateProfile(ctx, u.ID, account.ProfileChanges{AvatarURL: &elsewhere}, account.RequestMeta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Avatar(ctx, idOf(second)); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("picture after the avatar URL moved away: %v, want ErrNotFound", err)
		}
	})
	t.Run("door_url_must_be_http", func(t *testing.T) {
		f := newFixture(t)
		u := f.activeUser(t, "doorless", "correct-horse-battery")
		_, err := f.svc.UpdateProfile(ctx, u.ID, account.ProfileChanges{Avatar: &account.AvatarUpload{
			Image: pngOf(t), URL: func(id string) string { return "javascript:alert('" + id + "')" },
		}}, account.RequestMeta{})
		var ve *account.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("err = %v, want a validation error", err)
		}
	})
	t.Run("unknown_id_not_found", func(t *testing.T) {
		f := newFixture(t)
		for _, id := range []string{"", "nope.png", strings.Repeat("a", 65), "a\x00b.png", "../x.png", "a b.png", "é.png"} {
			if _, err := f.svc.Avatar(ctx, id); !errors.Is(err, account.ErrNotFound) {
				t.Errorf("Avatar(%q) = %v, want ErrNotFound", id, err)
			}
		}
	})
}
