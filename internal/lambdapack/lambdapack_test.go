package lambdapack

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// TestWriteLambdaZip: the zip holds one executable regular file named
// bootstrap with the binary's bytes, and the same binary makes the same
// zip.
func TestWriteLambdaZip(t *testing.T) {
	bin := bytes.Repeat([]byte("\x7fELF binary bytes "), 1000)
	var a, b bytes.Buffer
	if err := WriteZip(&a, bytes.NewReader(bin)); err != nil {
		t.Fatal(err)
	}
	if err := WriteZip(&b, bytes.NewReader(bin)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two zips of the same binary differ")
	}
	zr, err := zip.NewReader(bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 {
		t.Fatalf("%d files, want 1", len(zr.File))
	}
	f := zr.File[0]
	if f.Name != "bootstrap" || !f.Mode().IsRegular() || f.Mode().Perm() != 0o755 {
		t.Errorf("file %q mode %v, want bootstrap -rwxr-xr-x", f.Name, f.Mode())
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	if !bytes.Equal(got, bin) {
		t.Error("the zipped bootstrap is not the binary")
	}
}

func TestPackage_RefusesUnknownNames(t *testing.T) {
	for _, o := range []Options{
		{Functions: []string{"classifier", "nope"}},
		{Archs: []string{"386"}},
	} {
		o.Out = t.TempDir()
		if _, err := Package(context.Background(), o); err == nil || !strings.Contains(err.Error(), "unknown") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

func TestBuildLambda_ReportsTheBuildError(t *testing.T) {
	err := Build(context.Background(), "", t.TempDir(), "no-such-function", "amd64", t.TempDir()+"/bootstrap")
	if err == nil || !strings.Contains(err.Error(), "build no-such-function for linux/amd64") {
		t.Errorf("error %v", err)
	}
}
