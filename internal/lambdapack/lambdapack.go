// Package lambdapack builds the Lambda functions of the aws deployment
// (go build of cmd/lambda/<name>) and zips them as Lambda takes them. Only
// the CLI (`streamalert lambda package`) and the emulator tests use it: it
// is no part of what the functions run.
package lambdapack

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Functions are the Lambda functions of the aws deployment, each the
// main package cmd/lambda/<name> of this module.
var Functions = []string{"classifier", "alerts", "hunts"}

// Architectures are the architectures Lambda runs provided.al2023
// functions on (GOARCH names).
var Architectures = []string{"arm64", "amd64"}

// lambdaModule is the import path the functions are built from.
const lambdaModule = "github.com/streamalert/streamalert/cmd/lambda/"

// zipTime is the modification time written into every zip, so that the
// same binary always makes the same zip (and the same source hash for
// Terraform).
var zipTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Options say what Package builds.
type Options struct {
	// Out is the directory the zips are written to (created).
	Out string
	// Functions and Archs default to all of them.
	Functions []string
	Archs     []string
	// Src is the directory go build runs in: this module's checkout or a
	// module that requires it (default the working directory).
	Src string
	// Go is the go command (default "go" on PATH).
	Go string
	// Log, if set, receives one line per step.
	Log io.Writer
}

// ZipName is the file a function's zip is written to.
func ZipName(function, arch string) string {
	return fmt.Sprintf("%s_%s.zip", function, arch)
}

// Package builds each function for each architecture as Lambda's
// provided.al2023 runtime wants it — a static linux executable named
// bootstrap (CGO_ENABLED=0, -tags lambda.norpc, -trimpath, stripped) — and
// zips it. It returns the zip paths.
func Package(ctx context.Context, o Options) ([]string, error) {
	fns, archs := o.Functions, o.Archs
	if len(fns) == 0 {
		fns = Functions
	}
	if len(archs) == 0 {
		archs = Architectures
	}
	for _, fn := range fns {
		if !slices.Contains(Functions, fn) {
			return nil, fmt.Errorf("lambda package: unknown function %q (known: %s)", fn, strings.Join(Functions, ", "))
		}
	}
	for _, a := range archs {
		if !slices.Contains(Architectures, a) {
			return nil, fmt.Errorf("lambda package: unknown architecture %q (Lambda runs %s)", a, strings.Join(Architectures, ", "))
		}
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("lambda package: %w", err)
	}
	tmp, err := os.MkdirTemp("", "streamalert-lambda-")
	if err != nil {
		return nil, fmt.Errorf("lambda package: %w", err)
	}
	defer os.RemoveAll(tmp)
	var zips []string
	for _, fn := range fns {
		for _, arch := range archs {
			bin := filepath.Join(tmp, fn+"-"+arch, "bootstrap")
			if o.Log != nil {
				fmt.Fprintf(o.Log, "building %s for linux/%s\n", fn, arch)
			}
			if err := Build(ctx, o.Go, o.Src, fn, arch, bin); err != nil {
				return zips, err
			}
			zipPath := filepath.Join(o.Out, ZipName(fn, arch))
			if err := writeZipFile(zipPath, bin); err != nil {
				return zips, err
			}
			if o.Log != nil {
				fmt.Fprintf(o.Log, "wrote %s\n", zipPath)
			}
			zips = append(zips, zipPath)
		}
	}
	return zips, nil
}

// Build builds one function's bootstrap executable for linux/arch
// into out, running goCmd (default "go") in dir.
func Build(ctx context.Context, goCmd, dir, function, arch, out string) error {
	if goCmd == "" {
		goCmd = "go"
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-tags", "lambda.norpc",
		"-ldflags", "-s -w", "-o", out, lambdaModule+function)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s for linux/%s: %w\n%s", function, arch, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func writeZipFile(zipPath, bootstrap string) error {
	bin, err := os.Open(bootstrap)
	if err != nil {
		return err
	}
	defer bin.Close()
	tmp := zipPath + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := WriteZip(f, bin); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("zip %s: %w", zipPath, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, zipPath)
}

// WriteZip writes a deployment package holding one executable file,
// bootstrap (mode 0755), with the contents of bootstrap. The zip is the
// same for the same contents.
func WriteZip(w io.Writer, bootstrap io.Reader) error {
	zw := zip.NewWriter(w)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: zipTime}
	h.SetMode(0o755)
	fw, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(fw, bootstrap); err != nil {
		return err
	}
	return zw.Close()
}
