package lambdafn

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/streamalert/streamalert/internal/config"
)

// maxConfigArchive bounds a config archive, packed and unpacked.
const maxConfigArchive = 64 << 20

// LoadLambdaConfig returns the configuration of a Lambda function: the
// config directory archived at location (s3://bucket/key of a .tar.gz,
// .tgz or .zip), or the embedded example config when location is "".
// Every problem of the config is an error: a function must not start on a
// config `streamalert validate` rejects.
func LoadLambdaConfig(ctx context.Context, client S3API, location string) (*config.Config, error) {
	if location == "" {
		cfg, ps := config.Load(config.Example(), "")
		if len(ps) > 0 {
			return nil, fmt.Errorf("embedded config:\n%w", ps.Err())
		}
		return cfg, nil
	}
	rest, ok := strings.CutPrefix(location, "s3://")
	bucket, key, _ := strings.Cut(rest, "/")
	if !ok || bucket == "" || key == "" {
		return nil, fmt.Errorf("config location %q: want s3://bucket/key.tar.gz", location)
	}
	if client == nil {
		return nil, fmt.Errorf("config %s: no S3 client", location)
	}
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", location, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, maxConfigArchive+1))
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", location, err)
	}
	if len(data) > maxConfigArchive {
		return nil, fmt.Errorf("config %s is over %d bytes", location, maxConfigArchive)
	}
	fsys, err := ConfigArchive(key, data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", location, err)
	}
	cfg, ps := config.Load(fsys, location)
	if len(ps) > 0 {
		ps.Sort()
		return nil, fmt.Errorf("config %s has problems (run `streamalert validate` on it):\n%w", location, ps.Err())
	}
	return cfg, nil
}

// ConfigArchive unpacks a config directory archive (named by its
// extension: .tar.gz, .tgz or .zip) into a file system. An archive of the
// directory itself (conf/global.yaml …) is opened at that directory.
func ConfigArchive(name string, data []byte) (fs.FS, error) {
	files := fstest.MapFS{}
	total := 0
	add := func(p string, r io.Reader) error {
		p = path.Clean(strings.TrimPrefix(p, "./"))
		if p == "." || !fs.ValidPath(p) {
			return fmt.Errorf("archive entry %q: not a relative path inside the archive", p)
		}
		b, err := io.ReadAll(io.LimitReader(r, int64(maxConfigArchive-total)+1))
		if err != nil {
			return fmt.Errorf("archive entry %s: %w", p, err)
		}
		if total += len(b); total > maxConfigArchive {
			return fmt.Errorf("archive unpacks to over %d bytes", maxConfigArchive)
		}
		files[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		return nil
	}
	switch lower := strings.ToLower(name); {
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		gz, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("tar: %w", err)
			}
			if h.Typeflag != tar.TypeReg {
				continue
			}
			if err := add(h.Name, tr); err != nil {
				return nil, err
			}
		}
	case strings.HasSuffix(lower, ".zip"):
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, fmt.Errorf("zip: %w", err)
		}
		for _, zf := range zr.File {
			if zf.FileInfo().IsDir() {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				return nil, fmt.Errorf("zip entry %s: %w", zf.Name, err)
			}
			err = add(zf.Name, rc)
			rc.Close()
			if err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("%s: want a .tar.gz, .tgz or .zip archive of the config directory", name)
	}
	if _, ok := files["global.yaml"]; ok {
		return files, nil
	}
	var tops []string
	for p := range files {
		if dir, _, ok := strings.Cut(p, "/"); ok && strings.Count(p, "/") == 1 && path.Base(p) == "global.yaml" {
			tops = append(tops, dir)
		}
	}
	if len(tops) == 1 {
		return fs.Sub(files, tops[0])
	}
	return nil, errors.New("archive holds no global.yaml at its top or in one top-level directory")
}
