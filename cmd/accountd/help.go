package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/accountd/accountd/internal/app"
	"github.com/accountd/accountd/internal/config"
)

// command is what `accountd help` and a command's -h say about it.
type command struct {
	// name is how it is called: "serve", or "users list" for a subcommand.
	name     string
	synopsis string
	// summary is its line in the list of commands.
	summary string
	// about says what it does, in a sentence or two.
	about string
	// settings: the command opens the database and takes the server's settings, as
	// ACCOUNTD_* variables or as flags, beside its own flags.
	settings bool
}

// commands are accountd's commands, in the order `accountd help` lists them.
var commands = []command{
	{name: "serve", summary: "run the server (the default command)",
		synopsis: "accountd [serve] [settings]", settings: true,
		about: "Run the server: the API, its docs at /docs, the probes /healthz and /readyz. It listens\n" +
			"at once and connects to (and migrates) the database in the background, retrying\n" +
			"until it answers: until then /readyz and everything that needs the database answer 503."},
	{name: "migrate", summary: "apply pending database migrations and exit",
		synopsis: "accountd migrate [settings]", settings: true,
		about: "Apply the pending database migrations and exit: a deploy step, for servers run with\n" +
			"ACCOUNTD_AUTO_MIGRATE=false."},
	{name: "createadmin", summary: "create a superuser",
		synopsis: "accountd createadmin -username U -email E [-password-file F] [settings]", settings: true,
		about: "Create a superuser, active and verified. The password comes from the first line of\n" +
			"-password-file, or is asked for twice on the terminal; never from a flag."},
	{name: "users list", summary: "list users",
		synopsis: "accountd users list [-q TEXT] [settings]", settings: true,
		about: "List the users: id, username, email, role, active, date joined."},
	{name: "users deactivate", summary: "deactivate a user and end its sessions",
		synopsis: "accountd users deactivate USERNAME [settings]", settings: true,
		about: "Deactivate a user and end every one of its sessions at once."},
	{name: "import django", summary: "copy a Django site's users in, keeping IDs and passwords",
		synopsis: "accountd import django --source URL [flags] [settings]", settings: true,
		about: "Copy a Django site's users into the database the settings name, keeping their IDs and\n" +
			"password hashes. Run `accountd migrate` first; run it again to catch up."},
	{name: "version", summary: "print the version",
		synopsis: "accountd version (or accountd --version)",
		about:    "Print the version accountd was built from."},
	{name: "help", summary: "explain accountd, or one command",
		synopsis: "accountd help [COMMAND]",
		about:    "Explain accountd, or one command (as `accountd COMMAND -h` does)."},
}

// commandNamed returns the command called name ("users list"), if there is one.
func commandNamed(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// isHelpFlag reports whether arg asks for help.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "-?":
		return true
	}
	return false
}

// wantsHelp reports whether args ask for help anywhere before a "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if isHelpFlag(a) {
			return true
		}
	}
	return false
}

// printOverview writes what `accountd help` and `accountd -h` print.
func printOverview(w io.Writer) {
	fmt.Fprint(w, `accountd is a user-account and authentication service: registration with email
activation, login, access tokens (JWT) with a published JWKS, rotating refresh tokens.

usage: accountd COMMAND [flags] [settings]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-18s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Settings are ACCOUNTD_* environment variables, or flags named after them
(ACCOUNTD_DATABASE_URL is -database-url; a flag wins). `+"`accountd serve -h`"+` lists them
all, with their defaults; so does docs/configuration.md.

Run `+"`accountd help COMMAND`"+` or `+"`accountd COMMAND -h`"+` for a command's flags.
`)
}

// printHelp writes the help of the command called name: its synopsis, what it does, its
// own flags (own, nil for none) and, for a command that opens the database, the settings.
func printHelp(w io.Writer, name string, own *flag.FlagSet) {
	c, ok := commandNamed(name)
	if !ok {
		printOverview(w)
		return
	}
	fmt.Fprintf(w, "usage: %s\n\n%s\n", c.synopsis, c.about)
	if own != nil {
		fmt.Fprint(w, "\nFlags:\n")
		own.SetOutput(w)
		own.PrintDefaults()
		own.SetOutput(io.Discard)
	}
	if c.settings {
		fmt.Fprint(w, "\nSettings (each an ACCOUNTD_* variable, or the flag named after it; a flag wins):\n")
		config.Usage(w, app.Settings())
	}
}

// printGroupHelp writes the help of a command that only groups subcommands ("users",
// "import"): the list of them.
func printGroupHelp(w io.Writer, group string) {
	fmt.Fprintf(w, "usage: accountd %s SUBCOMMAND [flags] [settings]\n\nSubcommands:\n", group)
	for _, c := range commands {
		if sub, ok := strings.CutPrefix(c.name, group+" "); ok {
			fmt.Fprintf(w, "  %-12s %s\n", sub, c.summary)
		}
	}
	fmt.Fprintf(w, "\nRun `accountd %s SUBCOMMAND -h` for its flags.\n", group)
}

// helpCommand runs `accountd help [COMMAND...]`.
func helpCommand(stdout io.Writer, args []string) error {
	if wantsHelp(args) {
		printHelp(stdout, "help", nil)
		return errHelpShown
	}
	name := strings.Join(args, " ")
	switch {
	case name == "":
		printOverview(stdout)
	case name == "users" || name == "import":
		printGroupHelp(stdout, name)
	default:
		if _, ok := commandNamed(name); !ok {
			return fmt.Errorf("help: no command %q (`accountd help` lists them)", name)
		}
		// A command with flags of its own prints them through its flag set, as its -h does.
		if fs := ownFlags(name); fs != nil {
			printHelp(stdout, name, fs)
			return nil
		}
		printHelp(stdout, name, nil)
	}
	return nil
}

// ownFlags returns the flag set of a command with flags of its own, for its help.
func ownFlags(name string) *flag.FlagSet {
	switch name {
	case "createadmin":
		fs, _ := createAdminFlags()
		return fs
	case "users list":
		fs, _ := listUsersFlags()
		return fs
	case "import django":
		fs, _ := importDjangoFlags()
		return fs
	}
	return nil
}

// newFlagSet returns an empty flag set for a command's own flags. It prints nothing:
// parseOwnFlags prints the help for -h, and main prints a mistake as the returned error.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("accountd "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// errHelpShown ends a command whose help was asked for and printed: main exits 0.
var errHelpShown = flag.ErrHelp

// versionText is what `accountd version` prints: the module version, and the commit it
// was built from when the build recorded one.
func versionText() string {
	v := "accountd " + version()
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " (commit " + rev + modified + ")"
	}
	return v + " " + bi.GoVersion
}

// isHelp reports whether err ends a command after its help was printed.
func isHelp(err error) bool { return errors.Is(err, flag.ErrHelp) }
