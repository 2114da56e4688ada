package drf

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// Body is a request body as DRF's parsers hand it to a serializer: field names to JSON
// values (string, json.Number, bool, nil, []any, map[string]any), or to strings for a
// form.
type Body map[string]any

// Reader reads request bodies. Its zero flags are DRF's own behaviour; each flag is a
// way a profile has always departed from it, kept so that its clients see no change.
type Reader struct {
	// MaxBytes bounds a body; a larger one is refused (413).
	MaxBytes int64
	// BlankIsEmpty takes a body of only whitespace as no body, where DRF parses it.
	BlankIsEmpty bool
	// JSONSuffix reads any "+json" media type as JSON, where DRF wants application/json.
	JSONSuffix bool
	// StrictForm refuses a form body that does not parse, where Django's QueryDict keeps
	// what does.
	StrictForm bool
	// Files keeps the files of a multipart body, as File values, where DRF's
	// request.data holds them too; without it they are left out.
	Files bool
}

// File is an uploaded file of a multipart body (Reader.Files).
type File struct {
	// Name is the file name the client gave, for messages only: it proves nothing.
	Name string
	// ContentType is the type the client claimed, which proves nothing either.
	ContentType string
	Data        []byte
}

// Read parses r's body as DRF's default parsers do: JSON, form-encoded or multipart. An
// empty body, whatever its type, is no fields at all. A body that cannot be used is
// refused, and the caller answers the Refusal in its own words.
func (rd Reader) Read(w http.ResponseWriter, r *http.Request) (Body, *Refusal) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rd.MaxBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &Refusal{Reason: TooLarge, Limit: tooLarge.Limit}
	case err != nil:
		return nil, &Refusal{Reason: Unreadable}
	case len(raw) == 0, rd.BlankIsEmpty && len(bytes.TrimSpace(raw)) == 0:
		return Body{}, nil
	}
	contentType := r.Header.Get("Content-Type")
	mediaType, params, _ := mime.ParseMediaType(contentType)
	switch {
	case mediaType == "application/json", rd.JSONSuffix && strings.HasSuffix(mediaType, "+json"):
		return parseJSON(raw)
	case mediaType == "application/x-www-form-urlencoded":
		values, err := url.ParseQuery(string(raw))
		if err != nil && rd.StrictForm {
			return nil, &Refusal{Reason: MalformedForm}
		}
		return FormBody(values), nil
	case mediaType == "multipart/form-data":
		if params["boundary"] == "" {
			return nil, &Refusal{Reason: MalformedMultipart}
		}
		form, err := multipart.NewReader(bytes.NewReader(raw), params["boundary"]).ReadForm(rd.MaxBytes)
		if err != nil {
			return nil, &Refusal{Reason: MalformedMultipart}
		}
		defer form.RemoveAll()
		b := FormBody(form.Value)
		if rd.Files {
			if err := addFiles(b, form.File); err != nil {
				return nil, &Refusal{Reason: MalformedMultipart}
			}
		}
		return b, nil
	}
	if len(contentType) > 100 {
		contentType = contentType[:100]
	}
	return nil, &Refusal{Reason: UnsupportedMediaType, ContentType: contentType}
}

// FormBody keeps the last value of each field, as Django's QueryDict.get does.
func FormBody(values map[string][]string) Body {
	b := make(Body, len(values))
	for k, vs := range values {
		if len(vs) > 0 {
			b[k] = vs[len(vs)-1]
		}
	}
	return b
}

// addFiles puts the last file of each field into b, over a text value of the same name,
// as Django's request.data (a merge of POST and FILES) does.
func addFiles(b Body, files map[string][]*multipart.FileHeader) error {
	for name, fhs := range files {
		if len(fhs) == 0 {
			continue
		}
		fh := fhs[len(fhs)-1]
		f, err := fh.Open()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return err
		}
		b[name] = File{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data}
	}
	return nil
}
