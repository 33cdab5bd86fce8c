package codepkg

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	name     string
	typeflag byte
	body     string
	link     string
}

func makeTar(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typeflag, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.link}
		if e.typeflag != tar.TypeReg {
			hdr.Size = 0
		}
		if e.typeflag == tar.TypeDir {
			hdr.Mode = 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if hdr.Size > 0 {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExtractAcceptsFilesAndDirs(t *testing.T) {
	dir := t.TempDir()
	pkg := makeTar(t,
		entry{name: "./", typeflag: tar.TypeDir},
		entry{name: "handler.py", typeflag: tar.TypeReg, body: "def handler(e, c): return e\n"},
		entry{name: "lib/", typeflag: tar.TypeDir},
		entry{name: "lib/util.py", typeflag: tar.TypeReg, body: "X = 1\n"},
		entry{name: "deep/implicit/dir/file.txt", typeflag: tar.TypeReg, body: "ok"},
	)
	if err := Extract(pkg, dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"handler.py": "def handler(e, c): return e\n", "lib/util.py": "X = 1\n", "deep/implicit/dir/file.txt": "ok",
	} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v", name, got, err)
		}
	}
}

func TestExtractRefuses(t *testing.T) {
	cases := []struct {
		name  string
		entry entry
	}{
		{"absolute path", entry{name: "/etc/passwd", typeflag: tar.TypeReg, body: "x"}},
		{"parent traversal", entry{name: "../escape.py", typeflag: tar.TypeReg, body: "x"}},
		{"nested traversal", entry{name: "a/../../escape.py", typeflag: tar.TypeReg, body: "x"}},
		{"traversal that cleans away", entry{name: "a/../b.py", typeflag: tar.TypeReg, body: "x"}},
		{"symlink", entry{name: "link", typeflag: tar.TypeSymlink, link: "/etc/passwd"}},
		{"hardlink", entry{name: "hard", typeflag: tar.TypeLink, link: "handler.py"}},
		{"char device", entry{name: "null", typeflag: tar.TypeChar}},
		{"block device", entry{name: "sda", typeflag: tar.TypeBlock}},
		{"fifo", entry{name: "pipe", typeflag: tar.TypeFifo}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "task")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			err := Extract(makeTar(t, tc.entry), dir)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if _, err := os.Lstat(filepath.Join(parent, "escape.py")); err == nil {
				t.Fatal("a file escaped the task dir")
			}
			if _, err := os.Lstat(filepath.Join(dir, tc.entry.name)); err == nil && tc.entry.typeflag != tar.TypeReg {
				t.Fatalf("%s was created", tc.entry.name)
			}
		})
	}
}

func TestExtractRefusesGarbage(t *testing.T) {
	if err := Extract([]byte("this is not a tar archive, not even close......"), t.TempDir()); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
}

func TestExtractDoesNotFollowExistingSymlinks(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "task")
	outside := filepath.Join(parent, "outside")
	for _, d := range []string{dir, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "lib")); err != nil {
		t.Fatal(err)
	}
	err := Extract(makeTar(t, entry{name: "lib/evil.py", typeflag: tar.TypeReg, body: "x"}), dir)
	if err == nil {
		t.Fatal("wrote through a symlink")
	}
	if _, err := os.Stat(filepath.Join(outside, "evil.py")); err == nil {
		t.Fatal("file landed outside the task dir")
	}
}

func TestVerify(t *testing.T) {
	pkg := []byte("package bytes")
	sum := sha256.Sum256(pkg)
	good := hex.EncodeToString(sum[:])
	if err := Verify(pkg, good); err != nil {
		t.Errorf("matching digest: %v", err)
	}
	if err := Verify(pkg, strings.ToUpper(good)); err != nil {
		t.Errorf("upper-case digest: %v", err)
	}
	if err := Verify(append(pkg, '!'), good); !errors.Is(err, ErrChecksum) {
		t.Errorf("mismatch: %v", err)
	}
	if err := Verify(pkg, ""); !errors.Is(err, ErrChecksum) {
		t.Errorf("empty digest: %v", err)
	}
}
