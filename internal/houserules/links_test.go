package houserules

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// TestMarkdownLinks enforces "every link between the repository's documents leads
// somewhere": each relative link in a tracked (or new, not ignored) Markdown file names a
// file or folder that exists, and each #anchor matches a heading of the target, slugged
// the way GitHub slugs headings. Documents move (the README was split into docs/); a link
// left pointing at the old place, or at a heading since renamed, sends a newcomer nowhere
// and nobody notices. External links (http, https, mailto, ...) are not fetched: the test
// runs without a network and must not fail because someone else's site is down.
func TestMarkdownLinks(t *testing.T) {
	t.Parallel()
	mod := thisModule(t)
	needGit(t, mod.Dir)
	out, err := run(mod.Dir, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.md")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if name == "" || strings.Contains(name, "/testdata/") {
			continue
		}
		if _, err := os.Stat(filepath.Join(mod.Dir, name)); os.IsNotExist(err) {
			continue // deleted in the work tree, not yet in the index
		}
		files = append(files, name)
	}
	if len(files) == 0 {
		t.Fatal("git ls-files listed no Markdown file: the rule would check nothing")
	}
	for _, problem := range checkMarkdownLinks(mod.Dir, files) {
		t.Errorf("rule \"links between documents resolve\": %s\n    why: a link to a moved file or a renamed heading sends the reader nowhere\n    fix: point the link at where the text is now (GitHub's anchors: the heading in lower case, punctuation dropped, spaces as -)", problem)
	}
}

// TestCheckMarkdownLinks shows that the checker finds what it must (a missing file, a
// missing anchor in another file or the same one, a link escaping through ../) and lets
// pass what is fine (GitHub's slugs with code, punctuation and duplicates, explicit
// anchors, folders, external links, links inside code).
func TestCheckMarkdownLinks(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"README.md": "# accountd\n\n" +
			"## Set up\n\n" +
			"## The `djoser` profile (djoser + SimpleJWT): moving from djoser\n\n" +
			"## Set up\n\n" +
			"<a id=\"custom-anchor\"></a>\n\n" +
			"Setext heading\n--------------\n\n" +
			"```sh\n# not a heading\n[not a link](missing.md)\n```\n\n" +
			"`[not a link either](missing.md)`\n\n" +
			"[ok file](docs/ops.md) [ok anchor](docs/ops.md#backups-of-sqlite-and-postgresql) " +
			"[ok self](#set-up) [ok duplicate](#set-up-1) [ok code](#the-djoser-profile-djoser--simplejwt-moving-from-djoser) " +
			"[ok explicit](#custom-anchor) [ok setext](#setext-heading) [ok folder](docs/) " +
			"[ok external](https://example.com/nowhere.md#x) [ok mail](mailto:a@example.com) " +
			"[ok title](docs/ops.md \"Operations\") ![ok image](docs/ops.md) [ok escaped](docs/my%20file.md) " +
			"[ok go file with line](main.go#L10)\n\n" +
			"[ok ref]: docs/ops.md#monitoring\n",
		"docs/ops.md": "# Operations\n\n## Backups of SQLite and PostgreSQL\n\n### Monitoring\n\n" +
			"[ok up](../README.md#set-up) [ok root-relative](/README.md) [bad up](../README.md#nowhere)\n",
		"docs/my file.md": "# Spaces\n",
		"main.go":         "package main\n",
		"bad.md": "# Bad\n\n" +
			"[missing file](nothere.md)\n" +
			"[missing anchor](docs/ops.md#backups)\n" +
			"[missing self](#good)\n" +
			"[outside](../../etc/passwd)\n" +
			"[missing ref]: docs/gone.md\n",
	}
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := checkMarkdownLinks(dir, []string{"README.md", "docs/ops.md", "docs/my file.md", "bad.md"})
	want := []string{
		"bad.md:3: [missing file](nothere.md): no file nothere.md",
		"bad.md:4: [missing anchor](docs/ops.md#backups): no heading or anchor #backups in docs/ops.md",
		"bad.md:5: [missing self](#good): no heading or anchor #good in bad.md",
		"bad.md:6: [outside](../../etc/passwd): leads outside the repository",
		"bad.md:7: [missing ref](docs/gone.md): no file docs/gone.md",
		"docs/ops.md:7: [bad up](../README.md#nowhere): no heading or anchor #nowhere in README.md",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("checkMarkdownLinks found\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	for heading, slug := range map[string]string{
		"Set up": "set-up",
		"The `rest-registration` profile (django-rest-registration)": "the-rest-registration-profile-django-rest-registration",
		"Second factors: TOTP, recovery codes and passkeys":          "second-factors-totp-recovery-codes-and-passkeys",
		"Administration: the first admin, staff and organizations":   "administration-the-first-admin-staff-and-organizations",
		"How to add an operation to `/v1`":                           "how-to-add-an-operation-to-v1",
		"The path of one request: `POST /v1/auth/login`":             "the-path-of-one-request-post-v1authlogin",
		"Université de Genève":                                       "université-de-genève",
		"snake_case and **bold** and [a link](x.md)":                 "snake_case-and-bold-and-a-link",
	} {
		if got := githubSlug(heading); got != slug {
			t.Errorf("githubSlug(%q) = %q, want %q", heading, got, slug)
		}
	}
}

var (
	// inlineLink is [text](target) or ![alt](target), with an optional "title".
	inlineLink = regexp.MustCompile(`!?\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)`)
	// refDefinition is a reference-style link's definition: [label]: target.
	refDefinition = regexp.MustCompile(`^\s{0,3}\[([^\]]+)\]:\s*<?([^\s>]+)>?`)
	// atxHeading is "# Heading" to "###### Heading", with optional closing #s.
	atxHeading = regexp.MustCompile(`^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$`)
	// setextUnderline turns the line above it into a heading.
	setextUnderline = regexp.MustCompile(`^\s{0,3}(=+|-+)\s*$`)
	// htmlAnchor is an explicit anchor: <a name="x"> or an id="x" on any tag.
	htmlAnchor = regexp.MustCompile(`<[a-zA-Z][^>]*\s(?:id|name)="([^"]+)"`)
	// codeSpan is inline code, whose brackets are no link.
	codeSpan = regexp.MustCompile("`+[^`]*`+")
	// scheme marks an external link (https:, mailto:, ...), which is not checked.
	scheme = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// markdownLink is one link found in a document.
type markdownLink struct {
	line   int
	text   string // how it reads in the source, for the message
	target string
}

// markdownDoc is what the checker reads from one document: its links and its anchors.
type markdownDoc struct {
	links   []markdownLink
	anchors map[string]bool
}

// parseMarkdown reads the links and anchors of a Markdown text, outside fenced code.
func parseMarkdown(text string) markdownDoc {
	doc := markdownDoc{anchors: map[string]bool{}}
	seen := map[string]int{}
	addHeading := func(h string) {
		slug := githubSlug(h)
		if n, dup := seen[slug]; dup {
			seen[slug] = n + 1
			slug = fmt.Sprintf("%s-%d", slug, n+1)
		} else {
			seen[slug] = 0
		}
		doc.anchors[slug] = true
	}
	fence := ""
	prev := ""
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence = trimmed[:3]
			prev = ""
			continue
		}
		if m := atxHeading.FindStringSubmatch(line); m != nil {
			addHeading(m[1])
		} else if setextUnderline.MatchString(line) && strings.TrimSpace(prev) != "" && !strings.HasPrefix(strings.TrimSpace(prev), "|") {
			addHeading(strings.TrimSpace(prev))
		}
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			doc.anchors[m[1]] = true
		}
		plain := codeSpan.ReplaceAllString(line, "")
		if m := refDefinition.FindStringSubmatch(plain); m != nil {
			doc.links = append(doc.links, markdownLink{line: i + 1, text: m[1], target: m[2]})
		} else {
			for _, m := range inlineLink.FindAllStringSubmatch(plain, -1) {
				doc.links = append(doc.links, markdownLink{line: i + 1, text: m[1], target: m[2]})
			}
		}
		prev = line
	}
	return doc
}

// githubSlug is the anchor GitHub gives a heading: its text as rendered (code, emphasis
// and links reduced to their words), in lower case, every character that is not a
// letter, a digit, a space, a hyphen or an underscore dropped, and each space a hyphen.
func githubSlug(heading string) string {
	h := inlineLink.ReplaceAllString(heading, "$1")
	h = strings.NewReplacer("`", "", "**", "", "__", "").Replace(h)
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkMarkdownLinks checks the relative links of the documents files (slash-separated
// paths under root) and returns one message per broken link, in file and line order.
func checkMarkdownLinks(root string, files []string) []string {
	docs := map[string]markdownDoc{}
	read := func(name string) (markdownDoc, error) {
		if d, ok := docs[name]; ok {
			return d, nil
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			return markdownDoc{}, err
		}
		d := parseMarkdown(string(b))
		docs[name] = d
		return d, nil
	}
	sorted := append([]string(nil), files...)
	sort.Strings(sorted)
	var problems []string
	for _, name := range sorted {
		doc, err := read(name)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		for _, l := range doc.links {
			if msg := checkLink(root, name, l.target, read); msg != "" {
				problems = append(problems, fmt.Sprintf("%s:%d: [%s](%s): %s", name, l.line, l.text, l.target, msg))
			}
		}
	}
	return problems
}

// checkLink says what is wrong with one link of the document from, or "" when nothing is.
func checkLink(root, from, target string, read func(string) (markdownDoc, error)) string {
	if target == "" || scheme.MatchString(target) || strings.HasPrefix(target, "//") {
		return ""
	}
	file, anchor, _ := strings.Cut(target, "#")
	if q := strings.IndexByte(file, '?'); q >= 0 {
		file = file[:q]
	}
	if unescaped, err := url.PathUnescape(file); err == nil {
		file = unescaped
	}
	resolved := from
	if file != "" {
		if strings.HasPrefix(file, "/") {
			resolved = path.Clean(strings.TrimPrefix(file, "/"))
		} else {
			resolved = path.Join(path.Dir(from), file)
		}
		if resolved == ".." || strings.HasPrefix(resolved, "../") {
			return "leads outside the repository"
		}
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(resolved))); err != nil {
			return "no file " + resolved
		}
	}
	if anchor == "" || !strings.HasSuffix(strings.ToLower(resolved), ".md") {
		return "" // an anchor into code (#L10) or a folder is GitHub's to resolve
	}
	doc, err := read(resolved)
	if err != nil {
		return err.Error()
	}
	if unescaped, err := url.PathUnescape(anchor); err == nil {
		anchor = unescaped
	}
	if !doc.anchors[anchor] {
		return "no heading or anchor #" + anchor + " in " + resolved
	}
	return ""
}

// maxReadmeLines bounds the README: it holds what a newcomer needs (what accountd is, the
// two commands, the walk-through, the API table, the essential settings, links), and
// everything else goes to docs/. A README that grew past this had benchmark tables and
// compatibility details before the configuration, and nobody finished it.
const maxReadmeLines = 250

// TestReadmeStaysShort enforces maxReadmeLines.
func TestReadmeStaysShort(t *testing.T) {
	t.Parallel()
	mod := thisModule(t)
	b, err := os.ReadFile(filepath.Join(mod.Dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n > maxReadmeLines {
		t.Errorf("rule \"the README is short\": README.md has %d lines, more than %d\n    why: a newcomer reads the README to the end only if it is short; details have their page in docs/\n    fix: move the section that grew into docs/ (README.md's Documentation table lists the pages) and link to it", n, maxReadmeLines)
	}
}
