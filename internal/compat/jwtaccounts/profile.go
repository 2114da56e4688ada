package jwtaccounts

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	gen "github.com/accountd/accountd/gen/compat/jwtaccounts"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// Field sizes of the profile, as the canonical API has them.
const (
	countryMaxLen    = 100
	professionMaxLen = 150
	bioMaxLen        = 2000
	thoughtsMaxLen   = 2000
)

// profileOf is the document's profile of u; a picture is its URL, null for none.
func profileOf(u account.User) gen.JwtaProfile {
	p := gen.JwtaProfile{Country: u.Profile.Country, Profession: u.Profile.Profession, Bio: u.Profile.Bio, Thoughts: u.Profile.Thoughts}
	if u.Profile.AvatarURL != "" {
		img := u.Profile.AvatarURL
		p.ProfileImg = &img
	}
	return p
}

// JwtaGetProfile answers the caller's profile.
func (s *Server) JwtaGetProfile(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.authenticate(w, r); ok {
		writeJSON(w, http.StatusOK, profileOf(p.User))
	}
}

// JwtaUpdateProfile changes the profile fields given. profile_img is a URL (empty or
// null: no picture), or in a multipart form a file, which the account service checks
// and stores (account.AvatarUpload) and which is then served by JwtaProfileImage.
func (s *Server) JwtaUpdateProfile(w http.ResponseWriter, r *http.Request) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	b, ok := readBody(w, r, s.upload)
	if !ok {
		return
	}
	var errs drf.Errors
	c := s.profileChanges(b, &errs)
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	u := p.User
	if c != (account.ProfileChanges{}) { // an empty update changes nothing, and records nothing
		var err error
		u, err = s.svc.UpdateProfile(r.Context(), p.User.ID, c, s.meta(r.Context()))
		if problems, isProblem := asProblems(err); isProblem {
			addProblems(&errs, problems, "")
			invalid(w, &errs)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, profileOf(u))
}

// profileChanges reads the fields of a profile update that b has, as the document's
// ProfileSerializer with partial=True does; their problems go into errs.
func (s *Server) profileChanges(b body, errs *drf.Errors) account.ProfileChanges {
	var c account.ProfileChanges
	for _, f := range []struct {
		name   string
		maxLen int
		dst    **string
	}{
		{"country", countryMaxLen, &c.Country}, {"profession", professionMaxLen, &c.Profession},
		{"bio", bioMaxLen, &c.Bio}, {"thoughts", thoughtsMaxLen, &c.Thoughts},
	} {
		if v, ok := b.str(errs, field{name: f.name, optional: true, blank: true, maxLen: f.maxLen}); ok {
			*f.dst = &v
		}
	}
	img, present := b["profile_img"]
	file, isFile := img.(drf.File)
	switch {
	case !present:
	case img == nil:
		none := ""
		c.AvatarURL = &none
	case isFile:
		c.Avatar = &account.AvatarUpload{Image: file.Data, URL: s.pictureURL}
	default:
		if v, ok := b.str(errs, field{name: "profile_img", blank: true, maxLen: urlMaxLen}); ok {
			c.AvatarURL = &v
		}
	}
	return c
}

// picturePath is where uploaded pictures are served, under the public URL.
const picturePath = "/accounts/api/media/profile_img/"

// pictureURL is the address of the uploaded picture with this id.
func (s *Server) pictureURL(id string) string { return s.publicURL + picturePath + id }

// JwtaProfileImage serves an uploaded picture to anyone with its address, as an <img>
// fetches it. The type is the one the account service read from the bytes; nosniff and
// a sandboxing Content-Security-Policy make sure that a browser never runs anything in
// it, even opened on its own, whatever its bytes hide.
func (s *Server) JwtaProfileImage(w http.ResponseWriter, r *http.Request, name string) {
	a, err := s.svc.Avatar(r.Context(), name)
	switch {
	case errors.Is(err, account.ErrNotFound):
		writeDetail(w, http.StatusNotFound, drf.MsgNotFound)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(a.Data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Disposition", `inline; filename="profile_img.`+strings.TrimPrefix(a.ContentType, "image/")+`"`)
	// An id names one picture for good: a new upload gets a new id.
	h.Set("Cache-Control", "public, max-age=86400")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.Data)
}
