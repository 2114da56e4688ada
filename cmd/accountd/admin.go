package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/app"
)

// The administration commands act as the operator (account.OperatorActor): whoever can
// run them holds the database already. They go through the same service code as the
// API, on the app that internal/app assembles from the same settings as the server.
//
//	accountd createadmin -username U -email E [-password-file F] [settings]
//	accountd users list [-q TEXT] [settings]
//	accountd users deactivate USERNAME [settings]

// console is where createadmin asks for a password when no file gives one.
type console interface {
	// IsTerminal reports whether a person can be asked.
	IsTerminal() bool
	// ReadPassword shows prompt and reads a line without echoing it.
	ReadPassword(prompt string) (string, error)
}

// stdinConsole is the process's standard input, when it is a terminal.
type stdinConsole struct {
	in     *os.File
	prompt io.Writer
}

func (c stdinConsole) IsTerminal() bool { return term.IsTerminal(int(c.in.Fd())) }

func (c stdinConsole) ReadPassword(prompt string) (string, error) {
	fmt.Fprint(c.prompt, prompt)
	b, err := term.ReadPassword(int(c.in.Fd()))
	fmt.Fprintln(c.prompt)
	return string(b), err
}

// adminCommand runs createadmin or users.
func adminCommand(ctx context.Context, cmd string, args []string, getenv func(string) string, stdout, stderr io.Writer, con console) error {
	switch cmd {
	case "createadmin":
		return createAdmin(ctx, args, getenv, stdout, stderr, con)
	case "users":
		if len(args) == 0 {
			return errors.New("users: want a subcommand: list or deactivate (accountd users -h explains)")
		}
		if isHelpFlag(args[0]) {
			printGroupHelp(stdout, "users")
			return errHelpShown
		}
		switch sub, rest := args[0], args[1:]; sub {
		case "list":
			return listUsers(ctx, rest, getenv, stdout, stderr)
		case "deactivate":
			return deactivateUser(ctx, rest, getenv, stdout, stderr)
		default:
			return fmt.Errorf("users: unknown subcommand %q (want list or deactivate; accountd users -h explains)", sub)
		}
	}
	return fmt.Errorf("unknown command %q", cmd)
}

// createAdminOptions are createadmin's own flags.
type createAdminOptions struct {
	username, email, passwordFile *string
}

// createAdminFlags defines createadmin's own flags.
func createAdminFlags() (*flag.FlagSet, createAdminOptions) {
	fs := newFlagSet("createadmin")
	return fs, createAdminOptions{
		username:     fs.String("username", "", "username of the new superuser (required)"),
		email:        fs.String("email", "", "email address of the new superuser (required)"),
		passwordFile: fs.String("password-file", "", "file holding the password on its first line; without it, the password is asked for on the terminal"),
	}
}

func createAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, con console) error {
	fs, opt := createAdminFlags()
	username, email := opt.username, opt.email
	settings, err := parseOwnFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if *username == "" || *email == "" {
		return errors.New("createadmin: -username and -email are required (accountd createadmin -h explains)")
	}
	// The password never comes from a flag's value: that would show in `ps` and in the
	// shell's history.
	password, err := readNewPassword(*opt.passwordFile, con)
	if err != nil {
		return fmt.Errorf("createadmin: %w", err)
	}
	a, err := openApp(ctx, settings, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Service.AdminCreateUser(ctx, account.OperatorActor(), account.NewUser{
		Username: *username, Email: *email, Password: password,
		Superuser: true, Active: true, EmailVerified: true,
	})
	if err != nil {
		return fmt.Errorf("createadmin: %w", describe(err))
	}
	fmt.Fprintf(stdout, "created superuser %s (id %d); log in with POST /v1/auth/login\n", u.Username, u.ID)
	return nil
}

// readNewPassword reads the password from file, or else asks for it twice on the
// terminal. With neither, it fails rather than wait on input nobody will type.
func readNewPassword(file string, con console) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("-password-file: %w", err)
		}
		// The first line: a trailing newline is what editors and `echo` add.
		line, _, _ := bytes.Cut(b, []byte("\n"))
		password := strings.TrimSuffix(string(line), "\r")
		if password == "" {
			return "", errors.New("-password-file: the first line is empty")
		}
		return password, nil
	}
	if con == nil || !con.IsTerminal() {
		return "", errors.New("no password: give -password-file FILE, or run the command in a terminal to type it")
	}
	password, err := con.ReadPassword("Password: ")
	if err != nil {
		return "", err
	}
	again, err := con.ReadPassword("Password (again): ")
	if err != nil {
		return "", err
	}
	if password != again {
		return "", errors.New("the two passwords differ")
	}
	if password == "" {
		return "", errors.New("the password is empty")
	}
	return password, nil
}

// listUsersFlags defines the flags of users list: the search text.
func listUsersFlags() (*flag.FlagSet, *string) {
	fs := newFlagSet("users list")
	return fs, fs.String("q", "", "list only users whose username, email or name contains this text")
}

func listUsers(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, q := listUsersFlags()
	settings, err := parseOwnFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, settings, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tUSERNAME\tEMAIL\tROLE\tACTIVE\tJOINED")
	in := account.UserListInput{UserFilter: account.UserFilter{Search: *q}, Sort: account.SortDateJoined, Limit: account.MaxPageSize}
	for {
		page, err := a.Service.AdminListUsers(ctx, account.OperatorActor(), in)
		if err != nil {
			return fmt.Errorf("users list: %w", describe(err))
		}
		for _, u := range page.Users {
			role := string(u.Role)
			if u.Superuser {
				role = "superuser"
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%t\t%s\n", u.ID, u.Username, u.Email, role, u.Active, u.DateJoined.Format("2006-01-02"))
		}
		if page.Next == "" {
			return w.Flush()
		}
		in.Cursor = page.Next
	}
}

func deactivateUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if wantsHelp(args) {
		printHelp(stdout, "users deactivate", nil)
		return errHelpShown
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("users deactivate: want a username: accountd users deactivate USERNAME")
	}
	username := args[0]
	settings, err := parseOwnFlags(newFlagSet("users deactivate"), args[1:], stdout)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, settings, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	op := account.OperatorActor()
	u, err := a.Service.AdminUserByUsername(ctx, op, username)
	if err != nil {
		return fmt.Errorf("users deactivate: %s: %w", username, describe(err))
	}
	inactive := false
	if _, err := a.Service.AdminUpdateUser(ctx, op, u.ID, account.UserChanges{Active: &inactive}); err != nil {
		return fmt.Errorf("users deactivate: %w", describe(err))
	}
	fmt.Fprintf(stdout, "deactivated %s (id %d); its sessions have ended\n", u.Username, u.ID)
	return nil
}

// openApp loads the settings and assembles the app, as the server would.
func openApp(ctx context.Context, settings []string, getenv func(string) string, stdout, stderr io.Writer) (*app.App, error) {
	cfg, logger, err := loadConfig(settings, getenv, stderr)
	if err != nil {
		return nil, err
	}
	return app.New(ctx, cfg, app.Options{Logger: logger, Stdout: stdout})
}

// parseOwnFlags parses the flags fs defines out of args and returns the others, which
// are server settings (-database-url and the like) for config.Load. Every flag takes a
// value, as `-name value` or `-name=value`. -h prints the command's help to stdout and
// returns errHelpShown.
func parseOwnFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (settings []string, err error) {
	var own []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, _, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if name == "h" || name == "help" {
			own = append(own, arg) // the command's own usage
			continue
		}
		takes := []string{arg}
		if !hasValue && i+1 < len(args) && strings.HasPrefix(arg, "-") {
			takes = append(takes, args[i+1])
			i++
		}
		if strings.HasPrefix(arg, "-") && fs.Lookup(name) != nil {
			own = append(own, takes...)
		} else {
			settings = append(settings, takes...)
		}
	}
	if err := fs.Parse(own); err != nil {
		name := strings.TrimPrefix(fs.Name(), "accountd ")
		if isHelp(err) {
			printHelp(stdout, name, fs)
			return nil, errHelpShown
		}
		return nil, fmt.Errorf("%s: %w (accountd %s -h lists the flags)", name, err, name)
	}
	return settings, nil
}

// describe words the domain errors a person at the command line may meet.
func describe(err error) error {
	var ve *account.ValidationError
	switch {
	case errors.As(err, &ve):
		var parts []string
		for _, p := range ve.Problems {
			parts = append(parts, p.Field+" "+p.Message)
		}
		return errors.New(strings.Join(parts, "; "))
	case errors.Is(err, account.ErrNotFound):
		return errors.New("no such user")
	}
	return err
}
