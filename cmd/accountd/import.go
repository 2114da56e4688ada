package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/djangoimport"
)

// accountd import django --source postgres://...|sqlite:///path [flags] [settings]
//
// Moves the users of a Django site into accountd's database (the one the settings name,
// as for the server), keeping their IDs and password hashes; internal/store/djangoimport
// explains what it does and docs/migrating-from-django.md how to use it.

// importCommand runs `accountd import django`.
// importDjangoOptions are the flags of import django.
type importDjangoOptions struct {
	source, table, profileTable, organizations, mediaURL *string
	dryRun                                               *bool
	userMap, profileMap, orgMap                          *repeated
}

// importDjangoFlags defines the flags of import django.
func importDjangoFlags() (*flag.FlagSet, importDjangoOptions) {
	fs := newFlagSet("import django")
	o := importDjangoOptions{userMap: &repeated{}, profileMap: &repeated{}, orgMap: &repeated{}}
	o.source = fs.String("source", "", "the Django database: postgres://user:pass@host/db or sqlite:///path/to/db.sqlite3 (required)")
	o.table = fs.String("table", "auth_user", "the user table: a custom user model's db_table")
	fs.Var(o.userMap, "map", "FIELD=COLUMN: read a user field from another column of the user table (repeatable)")
	o.profileTable = fs.String("profile-table", "", "a table with one row per user holding profile fields (country, profession, bio, thoughts, avatar, organization)")
	fs.Var(o.profileMap, "profile-map", "FIELD=COLUMN: read a profile field from another column of --profile-table (repeatable)")
	o.organizations = fs.String("organizations", "", "a table imported as organizations (the universities); the profile's organization field names its rows")
	fs.Var(o.orgMap, "organization-map", "FIELD=COLUMN: read id, name or slug from another column of --organizations (repeatable)")
	o.mediaURL = fs.String("media-url", "", "Django's MEDIA_URL as an absolute URL, to turn avatars stored as paths into URLs")
	o.dryRun = fs.Bool("dry-run", false, "report what the import would do, and write nothing")
	return fs, o
}

func importCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelpFlag(args[0]) {
		printGroupHelp(stdout, "import")
		return errHelpShown
	}
	if len(args) == 0 || args[0] != "django" {
		return errors.New("import: want what to import from: accountd import django --source URL (accountd import -h explains)")
	}
	fs, o := importDjangoFlags()
	settings, err := parseOwnFlags(fs, boolFlagsWithValue(fs, args[1:]), stdout)
	if err != nil {
		return err
	}
	if *o.source == "" {
		return errors.New("import django: --source is required: the Django database, postgres://... or sqlite:///path")
	}
	source := o.source
	opt := djangoimport.Options{
		Source: *o.source, Table: *o.table, ProfileTable: *o.profileTable, Organizations: *o.organizations,
		MediaURL: *o.mediaURL, DryRun: *o.dryRun,
	}
	for _, m := range []struct {
		option string
		values []string
		dst    *map[string]string
	}{{"--map", *o.userMap, &opt.Map}, {"--profile-map", *o.profileMap, &opt.ProfileMap}, {"--organization-map", *o.orgMap, &opt.OrganizationMap}} {
		if *m.dst, err = djangoimport.ParseMap(m.option, m.values); err != nil {
			return fmt.Errorf("import django: %w", err)
		}
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		opt.Progress = stderr
	}

	cfg, _, err := loadConfig(settings, getenv, stderr)
	if err != nil {
		return err
	}
	// The store is opened as `accountd migrate` opens it, not through the app: the
	// import must not migrate the schema (nor start the mail queue), only check it.
	store, err := bunstore.Open(ctx, cfg.DatabaseURL, bunstore.Options{QueryTimeout: cfg.DBQueryTimeout})
	if err != nil {
		return fmt.Errorf("open database (ACCOUNTD_DATABASE_URL=%s): %w", config.Mask(cfg.DatabaseURL), err)
	}
	defer store.Close()
	fmt.Fprintf(stdout, "importing Django users from %s into %s\n", config.Mask(*source), config.Mask(cfg.DatabaseURL))
	sum, err := djangoimport.Run(ctx, store, opt)
	if sum.Columns != nil {
		// Also after an error part-way: the summary says how far it got.
		_ = sum.Write(stdout)
	}
	if err != nil {
		return fmt.Errorf("import django: %w", err)
	}
	return nil
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ", ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// boolFlagsWithValue writes fs's boolean flags given bare (-dry-run) as -dry-run=true:
// parseOwnFlags takes every flag to have a value, and would take the next argument as
// this one's.
func boolFlagsWithValue(fs *flag.FlagSet, args []string) []string {
	out := make([]string, len(args))
	for i, arg := range args {
		out[i] = arg
		name := strings.TrimLeft(arg, "-")
		if !strings.HasPrefix(arg, "-") || strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				out[i] = "-" + name + "=true"
			}
		}
	}
	return out
}
