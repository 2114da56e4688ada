package mail

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	texttemplate "text/template"

	"github.com/accountd/accountd/internal/account"
)

// linkUse says whether an email kind carries a link.
type linkUse int

const (
	// linkNone: a notice; configuring a link for it is a mistake.
	linkNone linkUse = iota
	// linkOptional: a link is shown when one is configured (a login page, say).
	linkOptional
	// linkRequired: the email is useless without its link, so the canonical flow ("")
	// must configure one.
	linkRequired
)

// kinds lists the emails the Composer can write. The wording of kind K lives in
// templates/K.txt (the text part; it also defines "subject") and templates/K.html (the
// "content" of templates/layout.html). Adding a kind is a row here and those two files.
var kinds = map[account.MessageKind]struct {
	link linkUse
	// linkFrom, when set, is the kind whose link template serves when this kind has
	// none configured.
	linkFrom account.MessageKind
}{
	account.MessageActivation:    {link: linkRequired},
	account.MessageAccountExists: {link: linkOptional},
	account.MessagePasswordReset: {link: linkRequired},
	account.MessageEmailChange:   {link: linkRequired},
	// The current address's approval of an email change asked without the password
	// follows the same link as the new address's confirmation (one verify page, which
	// tells the two apart), so it borrows that link where none is configured.
	account.MessageEmailChangeOldAddress: {link: linkRequired, linkFrom: account.MessageEmailChange},
	account.MessageEmailChanged:          {link: linkNone},
	// A reset or sign-in page, when configured, helps the owner act on a change they
	// did not make.
	account.MessagePasswordChanged: {link: linkOptional},
	// An invitation's token is a set-password token that the reset page accepts, so
	// the reset link serves when no invitation link is configured.
	account.MessageInvitation: {link: linkRequired, linkFrom: account.MessagePasswordReset},
	// Notices about second factors: there is nothing to click, the owner acts by
	// signing in.
	account.MessageRecoveryCodeUsed: {link: linkNone},
	account.MessageMFAReset:         {link: linkNone},
}

//go:embed templates
var templateFiles embed.FS

// kindTemplates are the parsed templates of one kind.
type kindTemplates struct {
	link     linkUse
	linkFrom account.MessageKind
	subject  *texttemplate.Template
	text     *texttemplate.Template
	html     *htmltemplate.Template
}

// templateData is what the templates see.
type templateData struct {
	Product string
	Subject string
	// Username is for the invitation, which tells the invited user the name an
	// administrator chose. The user's own names are not here: anyone may register any
	// address with names of their choosing, and a greeting would carry them, raw in the
	// text part, into a mailbox the caller does not own (a link, a forged paragraph).
	Username string
	// Email is the recipient's address.
	Email string
	// NewEmail is the address an email change moves to, on the email asking the
	// current address to approve it; "" on the others.
	NewEmail string
	// Link is empty only for kinds whose link is optional.
	Link string
	// Expiry is how long the link stays valid, in words ("24 hours"); "" when not configured.
	Expiry string
}

// parseTemplates parses every kind's templates from fsys (rooted above templates/).
func parseTemplates(fsys fs.FS) (map[account.MessageKind]*kindTemplates, error) {
	out := make(map[account.MessageKind]*kindTemplates, len(kinds))
	for kind, spec := range kinds {
		txtFile, htmlFile := "templates/"+string(kind)+".txt", "templates/"+string(kind)+".html"
		// Each kind gets its own template sets: they all define "subject" and "content".
		text, err := texttemplate.New("").ParseFS(fsys, txtFile)
		if err != nil {
			return nil, fmt.Errorf("mail: templates of %q: %w", kind, err)
		}
		subject := text.Lookup("subject")
		if subject == nil {
			return nil, fmt.Errorf("mail: %s does not define \"subject\"", txtFile)
		}
		html, err := htmltemplate.New("").ParseFS(fsys, "templates/layout.html", htmlFile)
		if err != nil {
			return nil, fmt.Errorf("mail: templates of %q: %w", kind, err)
		}
		if html.Lookup("content") == nil {
			return nil, fmt.Errorf("mail: %s does not define \"content\"", htmlFile)
		}
		out[kind] = &kindTemplates{
			link:     spec.link,
			linkFrom: spec.linkFrom,
			subject:  subject,
			text:     text.Lookup(string(kind) + ".txt"),
			html:     html.Lookup("layout.html"),
		}
	}
	return out, nil
}
