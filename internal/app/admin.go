package app

import (
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
)

// withInvitationLink adds the invitation link to the canonical links when one is
// configured. Without one, the mail composer gives invitations the password reset link:
// the reset page sets a password with an invitation token just as well.
func withInvitationLink(cfg config.Config, links map[account.MessageKind]string) map[account.MessageKind]string {
	if cfg.InvitationURL != "" {
		links[account.MessageInvitation] = cfg.InvitationURL
	}
	return links
}
