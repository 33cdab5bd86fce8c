// Package codepkg checks and unpacks a function's code package: an uncompressed
// POSIX tar that must hash to the sha256 the host announced. Only regular files
// and directories are accepted, and nothing may land outside the task
// directory — the archive comes from users, the task dir is ours.
package codepkg

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// ErrChecksum and ErrInvalid let the caller map failures to the contract's
// Agent.CodeChecksumMismatch and Agent.InvalidCodePackage.
var (
	ErrChecksum = errors.New("code checksum mismatch")
	ErrInvalid  = errors.New("invalid code package")
)

// Verify checks sha256(pkg) against the hex digest the host sent.
func Verify(pkg []byte, wantHex string) error {
	sum := sha256.Sum256(pkg)
	got := hex.EncodeToString(sum[:])
	if !strings.EqualFold(got, wantHex) {
		return fmt.Errorf("%w: package hashes to %s, host announced %q", ErrChecksum, got, wantHex)
	}
	return nil
}

// Extract unpacks pkg into dir. It stops at the first bad entry; entries
// extracted before it stay (the sandbox is discarded after a failed init).
func Extract(pkg []byte, dir string) error {
	// os.Root refuses to resolve anything outside dir, including through links
	// already present there: a second line of defence behind entryName.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()

	tr := tar.NewReader(bytes.NewReader(pkg))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue // pax metadata, not a file
		}
		name, err := entryName(hdr.Name)
		if err != nil {
			return err
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if name == "." {
				continue
			}
			if err := root.MkdirAll(name, 0o755); err != nil {
				return fmt.Errorf("%w: %s: %v", ErrInvalid, hdr.Name, err)
			}
		case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // old tars still use '\x00'
			if err := writeFile(root, name, hdr, tr); err != nil {
				return fmt.Errorf("%w: %s: %v", ErrInvalid, hdr.Name, err)
			}
		default:
			return fmt.Errorf("%w: %s: entry type %q is not a regular file or directory", ErrInvalid, hdr.Name, hdr.Typeflag)
		}
	}
}

// entryName cleans an archive path and refuses absolute paths and any `..`
// component (even ones that would clean away, like a/../b: a package that
// needs them was not made by our tools).
func entryName(raw string) (string, error) {
	if raw == "" || strings.HasPrefix(raw, "/") || strings.ContainsRune(raw, 0) {
		return "", fmt.Errorf("%w: %q: absolute or empty path", ErrInvalid, raw)
	}
	for _, part := range strings.Split(raw, "/") {
		if part == ".." {
			return "", fmt.Errorf("%w: %q: path contains ..", ErrInvalid, raw)
		}
	}
	return path.Clean(raw), nil
}

func writeFile(root *os.Root, name string, hdr *tar.Header, r io.Reader) error {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	// Keep the execute bits the author set; always let the owner read and write.
	mode := os.FileMode(hdr.Mode)&0o755 | 0o600
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
