package lambdafn

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/internal/lambdatest"
)

func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		if strings.HasSuffix(name, "/") {
			tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755})
			continue
		}
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	return buf.Bytes()
}

func TestConfigArchive(t *testing.T) {
	tests := []struct {
		name    string
		archive string
		data    func(t *testing.T) []byte
		want    string // a file expected at the root, or the error
		wantErr bool
	}{
		{"tar of the directory's contents", "conf.tar.gz", func(t *testing.T) []byte {
			return tarGz(t, map[string]string{"./": "", "./global.yaml": "prefix: x\n", "./rules/r.yaml": "name: r\n"})
		}, "rules/r.yaml", false},
		{"tar of the directory", "conf.tgz", func(t *testing.T) []byte {
			return tarGz(t, map[string]string{"conf/global.yaml": "prefix: x\n", "conf/sources.yaml": "sources: {}\n"})
		}, "sources.yaml", false},
		{"zip", "conf.zip", func(t *testing.T) []byte {
			return zipOf(t, map[string]string{"global.yaml": "prefix: x\n", "outputs.yaml": "{}\n"})
		}, "outputs.yaml", false},
		{"no global.yaml", "conf.tar.gz", func(t *testing.T) []byte {
			return tarGz(t, map[string]string{"a/sources.yaml": "x"})
		}, "no global.yaml", true},
		{"escaping path", "conf.zip", func(t *testing.T) []byte {
			return zipOf(t, map[string]string{"../global.yaml": "x"})
		}, "not a relative path", true},
		{"not an archive", "conf.json", func(t *testing.T) []byte { return []byte("{}") }, "want a .tar.gz", true},
		{"corrupt gzip", "conf.tar.gz", func(t *testing.T) []byte { return []byte("nope") }, "gzip", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys, err := ConfigArchive(tt.archive, tt.data(t))
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v, want one about %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"global.yaml", tt.want} {
				if _, err := fs.Stat(fsys, name); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	}
}

func TestLoadLambdaConfig(t *testing.T) {
	ctx := context.Background()
	objects := s3Getter{
		lambdatest.ConfigBucket + "/" + lambdatest.ConfigKey: lambdatest.ConfigTarGz(t),
		"b/bad.tar.gz": tarGz(t, map[string]string{"global.yaml": "prefix: has space\n", "sources.yaml": "sources: {}\n"}),
	}
	cfg, err := LoadLambdaConfig(ctx, objects, "s3://"+lambdatest.ConfigBucket+"/"+lambdatest.ConfigKey)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Global.Prefix != lambdatest.Prefix || len(cfg.Sources) != 5 {
		t.Errorf("loaded prefix %q and %d sources, want the fixtures' config", cfg.Global.Prefix, len(cfg.Sources))
	}
	if cfg, err := LoadLambdaConfig(ctx, nil, ""); err != nil || cfg.Global.Prefix != "streamalert" {
		t.Errorf("embedded config: %v", err)
	}
	for loc, want := range map[string]string{
		"s3://b/bad.tar.gz":    "global.yaml",
		"s3://b/missing.zip":   "no object",
		"https://b/conf.zip":   "want s3://bucket/key",
		"s3://bucket-only":     "want s3://bucket/key",
		"s3://b/notarchive.gz": "no object",
	} {
		if _, err := LoadLambdaConfig(ctx, objects, loc); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one about %q", loc, err, want)
		}
	}
}
