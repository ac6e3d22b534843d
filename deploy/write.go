package deploy

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Names of the files Write makes in the output directory.
const (
	VarsFileName      = "terraform.tfvars.json"
	ConfigArchiveName = "config.tar.gz"
	DDLDir            = "ddl"
)

// VarsJSON is terraform.tfvars.json's content: indented, keys sorted, so
// that the file diffs well and the same config gives the same bytes.
func (p *Plan) VarsJSON() ([]byte, error) {
	b, err := json.MarshalIndent(p.Vars, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", VarsFileName, err)
	}
	return append(b, '\n'), nil
}

// Write writes terraform.tfvars.json, ddl/<table>.sql for every table and
// config.tar.gz (the config directory fsys) into dir, and returns the
// paths written.
func (p *Plan) Write(dir string, fsys fs.FS) ([]string, error) {
	if err := os.MkdirAll(filepath.Join(dir, DDLDir), 0o755); err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	var written []string
	put := func(name string, data []byte, mode os.FileMode) error {
		target := filepath.Join(dir, name)
		if err := os.WriteFile(target, data, mode); err != nil {
			return fmt.Errorf("deploy: %w", err)
		}
		written = append(written, target)
		return nil
	}
	vars, err := p.VarsJSON()
	if err != nil {
		return nil, err
	}
	if err := put(VarsFileName, vars, 0o644); err != nil {
		return nil, err
	}
	tables := make([]string, 0, len(p.DDL))
	for t := range p.DDL {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		if err := put(filepath.Join(DDLDir, t+".sql"), []byte(p.DDL[t]), 0o644); err != nil {
			return nil, err
		}
	}
	archive, err := ConfigArchive(fsys)
	if err != nil {
		return nil, err
	}
	// The archive holds sources.yaml, which may hold an HTTP token.
	if err := put(ConfigArchiveName, archive, 0o600); err != nil {
		return nil, err
	}
	return written, nil
}

// ConfigArchive packs a config directory as the .tar.gz the functions
// read from STREAMALERT_CONFIG_S3. Files are sorted and carry no times or
// owners, so the same config gives the same bytes (and Terraform uploads
// it again only when it changed).
func ConfigArchive(fsys fs.FS) ([]byte, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("config archive: %w", err)
	}
	sort.Strings(files)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("config archive: %w", err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: f, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return nil, fmt.Errorf("config archive: %w", err)
		}
		if _, err := tw.Write(data); err != nil {
			return nil, fmt.Errorf("config archive: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("config archive: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("config archive: %w", err)
	}
	return buf.Bytes(), nil
}
