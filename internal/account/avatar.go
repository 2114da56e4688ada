package account

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"time"
)

// A user may upload a picture as the account's avatar (the jwt-accounts API's
// profile_img). The picture is kept in the database, so that every instance serves it,
// on either store, and the account's avatar URL points at the address it is served at.
// UpdateProfile takes it (ProfileChanges.Avatar); Avatar returns it to be served.
//
// What a browser does with a file it fetches from accountd's origin depends on its type,
// so the type is never taken from the client: the bytes must start as a PNG, JPEG, GIF
// or WebP image does, and the header must parse. SVG, which is a script-capable
// document, and HTML are refused whatever they claim to be; the door that serves a
// picture sends the stored type with nosniff and a sandboxing Content-Security-Policy.

// MaxAvatarBytes is the largest picture accepted: 2 MiB.
const MaxAvatarBytes = 2 << 20

// maxAvatarSide bounds a picture's width and height: a small file can declare an
// enormous image that would exhaust the memory of whoever decodes it.
const maxAvatarSide = 10_000

// AvatarUpload is a picture to store as the account's avatar.
type AvatarUpload struct {
	// Image is the file as uploaded.
	Image []byte
	// URL returns the absolute http or https address the door serves the picture with
	// this ID at; it becomes the account's avatar URL.
	URL func(id string) string
}

// Avatar is a stored picture.
type Avatar struct {
	// ID is random and unguessable: pictures are served to anyone who has the URL, as
	// an <img> needs, but cannot be listed or enumerated.
	ID     string
	UserID int64
	// ContentType is image/png, image/jpeg, image/gif or image/webp, read from the bytes.
	ContentType string
	Data        []byte
	CreatedAt   time.Time
}

// AvatarStore keeps uploaded pictures; it is part of Store.
type AvatarStore interface {
	// SetAvatar removes every stored picture of the user and then, unless a is nil,
	// stores a for that user (ignoring a.UserID). A user that does not exist is
	// ErrNotFound.
	SetAvatar(ctx context.Context, userID int64, a *Avatar) error
	// AvatarByID returns a stored picture, or ErrNotFound.
	AvatarByID(ctx context.Context, id string) (Avatar, error)
}

// avatarField is the field an unfit picture is reported under.
const avatarField = "avatar"

// newAvatar checks an upload for user userID and returns the picture to store and the
// URL it will be served at. It runs before anything is stored.
func newAvatar(userID int64, up AvatarUpload, now time.Time) (Avatar, string, error) {
	contentType, err := avatarType(up.Image)
	if err != nil {
		return Avatar{}, "", err
	}
	var b [18]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	id := base64.RawURLEncoding.EncodeToString(b[:]) + "." + strings.TrimPrefix(contentType, "image/")
	url := up.URL(id)
	if !httpURL(url) {
		return Avatar{}, "", Invalid("avatar_url", "format", "must be an http or https URL")
	}
	return Avatar{ID: id, UserID: userID, ContentType: contentType, Data: up.Image, CreatedAt: now}, url, nil
}

// avatarType returns the media type of a picture from its bytes, or a ValidationError
// for a file that is empty, too large, or not a PNG, JPEG, GIF or WebP image.
func avatarType(b []byte) (string, error) {
	switch {
	case len(b) == 0:
		return "", Invalid(avatarField, "required", "is an empty file")
	case len(b) > MaxAvatarBytes:
		return "", Invalid(avatarField, "too_large", "must be at most 2 MB")
	}
	var decode func([]byte) (image.Config, error)
	var contentType string
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		contentType, decode = "image/png", configOf(png.DecodeConfig)
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		contentType, decode = "image/jpeg", configOf(jpeg.DecodeConfig)
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		contentType, decode = "image/gif", configOf(gif.DecodeConfig)
	case isWebP(b):
		// The standard library reads no WebP; its RIFF header was checked instead.
		return "image/webp", nil
	default:
		return "", Invalid(avatarField, "unsupported_type", "must be a PNG, JPEG, GIF or WebP image")
	}
	cfg, err := decode(b)
	if err != nil {
		return "", Invalid(avatarField, "unsupported_type", "is not a readable "+strings.ToUpper(strings.TrimPrefix(contentType, "image/"))+" image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxAvatarSide || cfg.Height > maxAvatarSide {
		return "", Invalid(avatarField, "too_large", "must be at most 10000 pixels wide and high")
	}
	return contentType, nil
}

// configOf adapts an image package's DecodeConfig to a byte slice.
func configOf(decode func(io.Reader) (image.Config, error)) func([]byte) (image.Config, error) {
	return func(b []byte) (image.Config, error) { return decode(bytes.NewReader(b)) }
}

// isWebP reports whether b starts as a WebP file does: a RIFF header whose size fits
// the file, the WEBP form type, and a VP8, VP8L or VP8X first chunk.
func isWebP(b []byte) bool {
	if len(b) < 16 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return false
	}
	if size := binary.LittleEndian.Uint32(b[4:8]); int64(size)+8 > int64(len(b)) || size < 8 {
		return false
	}
	switch string(b[12:16]) {
	case "VP8 ", "VP8L", "VP8X":
		return true
	}
	return false
}

// Avatar returns a stored picture to serve: ErrNotFound for an unknown ID, or one whose
// account has since uploaded another, removed it or been deleted.
func (s *Service) Avatar(ctx context.Context, id string) (Avatar, error) {
	// An id is URL-safe base64 and an extension: anything else names no picture, and
	// never reaches the database (which could not even compare a NUL in text).
	if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '.')
	}) {
		return Avatar{}, ErrNotFound
	}
	return s.store.AvatarByID(ctx, id)
}
