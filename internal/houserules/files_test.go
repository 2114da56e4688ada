package houserules

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// maxTrackedFileSize is the largest file git may track: 1 MiB. Git keeps every version
// of every file in every clone forever, so one large file costs each newcomer's first
// clone for good; everything hand-written here is far below it.
const maxTrackedFileSize = 1 << 20

// largeFileAllowList names the tracked files that may be larger than maxTrackedFileSize.
// Keep it short and say why for each: an entry is a promise that the file's size is
// deliberate, not an escape hatch. An entry that matches no tracked file fails the test,
// so the list cannot outlive what it excuses. A glob "dir/**/pattern" matches pattern
// against the file name anywhere under dir; any other glob is path.Match on the whole path.
var largeFileAllowList = []struct {
	glob string
	// generated: only files carrying Go's "Code generated ... DO NOT EDIT." line match,
	// so that a hand-written file cannot hide under a generated file's name.
	generated bool
	why       string
}{
	{"gen/**/*.gen.go", true, "generated from openapi.yaml by `make generate` (check-generated keeps it in step); its size follows the spec's"},
	{"clients/**/*.gen.go", true, "the Go SDK, generated from openapi.yaml like gen/; outside programs import it, so it must be committed"},
	{"internal/password/common/passwords.txt", false, "the common-password list the service embeds (go:embed) to refuse weak passwords; data the binary needs, reviewed once"},
}

// generatedMarker is Go's convention for generated files (go help generate).
var generatedMarker = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

// trackedFile is one file in git's index, which is what the next commit will hold.
type trackedFile struct {
	path string
	mode string // git's mode: 100644, 100755 (executable), 120000 (symlink)
	size int64
	head []byte // the first headSize bytes of the content
}

// headSize is how much of each file the rules read: enough for every magic number and
// for the generated-code line, which comes first in a generated file.
const headSize = 4096

// TestTrackedFiles enforces "no build output in git" on every file git tracks: no
// executable binary, no executable bit on anything but a #! script, nothing over
// maxTrackedFileSize outside largeFileAllowList.
func TestTrackedFiles(t *testing.T) {
	t.Parallel()
	mod := thisModule(t)
	needGit(t, mod.Dir)
	files, err := trackedFiles(mod.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("git ls-files listed no files: the rules would check nothing")
	}
	for _, f := range files {
		for _, problem := range checkTrackedFile(f) {
			t.Error(problem)
		}
	}
	for _, a := range largeFileAllowList {
		matched := false
		for _, f := range files {
			if globMatch(a.glob, f.path) {
				matched = true
				break
			}
		}
		if !matched {
			t.Errorf("largeFileAllowList entry %q matches no tracked file: remove it from internal/houserules/files_test.go", a.glob)
		}
	}
}

// checkTrackedFile returns one message per rule f breaks, each naming the rule, the
// file, why the rule exists and how to fix it.
func checkTrackedFile(f trackedFile) []string {
	var problems []string
	if kind := binaryKind(f.head); kind != "" {
		problems = append(problems, fmt.Sprintf(
			"rule \"no binaries in git\": %s is %s\n"+
				"    why: build output is rebuilt from source (make build); a committed binary cannot be reviewed, need not match the source, and stays in every clone forever\n"+
				"    fix: git rm --cached %s, and check that .gitignore covers it",
			f.path, kind, f.path))
	}
	if f.mode == "100755" && !bytes.HasPrefix(f.head, []byte("#!")) {
		problems = append(problems, fmt.Sprintf(
			"rule \"executable bit only on #! scripts\": %s is tracked as executable (mode 100755) but does not start with #!\n"+
				"    why: an executable that is not a script is a binary, or a text file an editor or another OS marked executable by mistake\n"+
				"    fix: git update-index --chmod=-x %s (or add the #! line if it is a script)",
			f.path, f.path))
	}
	if f.size > maxTrackedFileSize {
		note := ""
		for _, a := range largeFileAllowList {
			if !globMatch(a.glob, f.path) {
				continue
			}
			if !a.generated || generatedMarker.Match(f.head) {
				return problems
			}
			note = fmt.Sprintf(" (its name matches largeFileAllowList's %q, but it has no \"// Code generated ... DO NOT EDIT.\" line, so it is not generated code)", a.glob)
		}
		problems = append(problems, fmt.Sprintf(
			"rule \"no file over 1 MiB in git\": %s is %d bytes (%.1f MB); the limit is %d bytes%s\n"+
				"    why: git keeps every version of every file in every clone forever; data and build output belong outside the repository\n"+
				"    fix: git rm --cached %s; if it is generated code or data the service embeds, add it to largeFileAllowList in internal/houserules/files_test.go with the reason",
			f.path, f.size, float64(f.size)/1e6, maxTrackedFileSize, note, f.path))
	}
	return problems
}

// binaryKind names the kind of executable whose magic number head starts with, or
// returns "" when it starts with none.
func binaryKind(head []byte) string {
	if bytes.HasPrefix(head, []byte("\x7fELF")) {
		return "an ELF executable or object (Linux, BSD)"
	}
	if len(head) >= 4 {
		switch binary.BigEndian.Uint32(head) {
		case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe:
			return "a Mach-O executable or object (macOS)"
		case 0xcafebabe, 0xbebafeca:
			return "a Mach-O universal binary (macOS) or a Java class file"
		}
	}
	// A PE file (Windows) starts with a DOS header, "MZ", whose 4 bytes at 0x3c give
	// the offset of the "PE\0\0" signature. Checking both keeps a text file that happens
	// to start with "MZ" from counting.
	if len(head) >= 0x40 && bytes.HasPrefix(head, []byte("MZ")) {
		off := int64(binary.LittleEndian.Uint32(head[0x3c:]))
		if off+4 <= int64(len(head)) && bytes.Equal(head[off:off+4], []byte("PE\x00\x00")) {
			return "a PE executable (Windows)"
		}
	}
	return ""
}

// globMatch reports whether name matches glob, as documented on largeFileAllowList.
func globMatch(glob, name string) bool {
	if dir, pattern, ok := strings.Cut(glob, "/**/"); ok {
		if !strings.HasPrefix(name, dir+"/") {
			return false
		}
		m, _ := path.Match(pattern, path.Base(name))
		return m
	}
	m, _ := path.Match(glob, name)
	return m
}

// trackedFiles lists the files in git's index under dir with their mode, size and the
// first headSize bytes of their content, read from the index rather than the work tree:
// the rules are about what is, or is about to be, committed.
func trackedFiles(dir string) ([]trackedFile, error) {
	out, err := run(dir, "git", "ls-files", "--stage", "-z")
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	var files []trackedFile
	var objects bytes.Buffer
	for entry := range strings.SplitSeq(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		// "<mode> <object> <stage>\t<path>"
		meta, name, ok := strings.Cut(entry, "\t")
		fields := strings.Fields(meta)
		if !ok || len(fields) != 3 {
			return nil, fmt.Errorf("git ls-files --stage: unexpected entry %q", entry)
		}
		if fields[0] == "160000" { // a submodule: a commit, not a file
			continue
		}
		files = append(files, trackedFile{path: name, mode: fields[0]})
		objects.WriteString(fields[1] + "\n")
	}
	// One git process for all the contents: "<object> blob <size>\n<content>\n" each.
	out, err = runInput(dir, objects.Bytes(), "git", "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	for i := range files {
		header, rest, ok := bytes.Cut(out, []byte("\n"))
		fields := strings.Fields(string(header))
		if !ok || len(fields) != 3 {
			return nil, fmt.Errorf("git cat-file --batch: unexpected header %q for %s", header, files[i].path)
		}
		size, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil || size > int64(len(rest)) {
			return nil, fmt.Errorf("git cat-file --batch: bad size in %q for %s", header, files[i].path)
		}
		files[i].size = size
		files[i].head = rest[:min(size, headSize)]
		out = rest[size:]
		out = bytes.TrimPrefix(out, []byte("\n"))
	}
	return files, nil
}

// TestCheckTrackedFile shows that each file rule fires on the kind of file it is meant
// to catch and stays quiet otherwise, without needing a bad file in git.
func TestCheckTrackedFile(t *testing.T) {
	t.Parallel()
	pe := make([]byte, 0x84)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x80)
	copy(pe[0x80:], "PE\x00\x00")
	textMZ := []byte("MZ is how this text file happens to start, and nothing more than that.\n")
	gen := []byte("// Code generated by oapi-codegen. DO NOT EDIT.\n\npackage gen\n")
	big := int64(maxTrackedFileSize + 1)

	cases := []struct {
		name string
		file trackedFile
		want []string // the rules broken, by name; none when empty
	}{
		{"elf", trackedFile{path: "cmd/x/x", mode: "100755", size: 10, head: []byte("\x7fELF\x02\x01\x01")}, []string{"no binaries in git", "executable bit only on #! scripts"}},
		{"elf_not_executable", trackedFile{path: "x.o", mode: "100644", size: 10, head: []byte("\x7fELF\x02\x01\x01")}, []string{"no binaries in git"}},
		{"macho", trackedFile{path: "x", mode: "100644", size: 4, head: []byte{0xcf, 0xfa, 0xed, 0xfe}}, []string{"no binaries in git"}},
		{"pe", trackedFile{path: "x.exe", mode: "100644", size: int64(len(pe)), head: pe}, []string{"no binaries in git"}},
		{"text_starting_with_MZ", trackedFile{path: "notes.txt", mode: "100644", size: int64(len(textMZ)), head: textMZ}, nil},
		{"script", trackedFile{path: ".ci/run", mode: "100755", size: 20, head: []byte("#!/usr/bin/env bash\n")}, nil},
		{"executable_text", trackedFile{path: "README.md", mode: "100755", size: 9, head: []byte("# readme\n")}, []string{"executable bit only on #! scripts"}},
		{"large", trackedFile{path: "data/dump.sql", mode: "100644", size: big, head: []byte("insert")}, []string{"no file over 1 MiB in git"}},
		{"large_generated", trackedFile{path: "gen/compat/x/x.gen.go", mode: "100644", size: big, head: gen}, nil},
		{"large_posing_as_generated", trackedFile{path: "clients/go/big.gen.go", mode: "100644", size: big, head: []byte("package client\n")}, []string{"no file over 1 MiB in git"}},
		{"large_allowed_data", trackedFile{path: "internal/password/common/passwords.txt", mode: "100644", size: big, head: []byte("123456\n")}, nil},
		{"large_generated_name_elsewhere", trackedFile{path: "internal/x.gen.go", mode: "100644", size: big, head: gen}, []string{"no file over 1 MiB in git"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			problems := checkTrackedFile(c.file)
			if len(problems) != len(c.want) {
				t.Fatalf("got %d problems, want %d (%q):\n%s", len(problems), len(c.want), c.want, strings.Join(problems, "\n"))
			}
			for i, rule := range c.want {
				if !strings.Contains(problems[i], `rule "`+rule+`": `+c.file.path) {
					t.Errorf("problem %d does not name rule %q and file %s:\n%s", i, rule, c.file.path, problems[i])
				}
			}
		})
	}
}
