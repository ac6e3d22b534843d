package firehose

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/streamalert/streamalert/schema"
)

// Commits. A Lake with Options.Manual writes rows out only on Commit, and
// names the files of a commit "<table>-c<tag>-<time>-<random>.parquet",
// where the tag is the caller's position in its input (the ingest log's
// sequence number). After a crash, Committed tells which tables of an
// interrupted commit reached the lake, so that the caller can replay its
// input without writing those rows twice.

// tagPrefix marks a commit tag in a file name; tags are zero-padded so that
// names sort in commit order.
const tagPrefix = "c"

func commitTag(tag uint64) string { return fmt.Sprintf("%s%020d-", tagPrefix, tag) }

// Buffered reports the input bytes waiting in buffers.
func (l *Lake) Buffered() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for _, b := range l.buffers {
		n += b.bytes
	}
	return n
}

// Commit writes out every buffer, naming the files with tag, and retries
// files that failed before. When it returns nil every row written before
// the call is stored.
func (l *Lake) Commit(ctx context.Context, tag uint64) error {
	return l.flushTagged(ctx, nil, true, commitTag(tag))
}

// A Lister can list the keys under a prefix; Dir and Bucket are Listers.
type Lister interface {
	List(ctx context.Context, prefix string) ([]string, error)
}

// Committed reports, for each commit tag above after found in the lake's
// file names, the tables with files of that commit.
func (l *Lake) Committed(ctx context.Context, after uint64) (map[uint64]map[string]bool, error) {
	ls, ok := l.dest.(Lister)
	if !ok {
		return nil, fmt.Errorf("firehose: lake %s cannot list its files", l.dest)
	}
	keys, err := ls.List(ctx, schema.LakeRoot)
	if err != nil {
		return nil, err
	}
	out := map[uint64]map[string]bool{}
	for _, k := range keys {
		table, tag, ok := parseCommitKey(k)
		if !ok || tag <= after {
			continue
		}
		if out[tag] == nil {
			out[tag] = map[string]bool{}
		}
		out[tag][table] = true
	}
	return out, nil
}

// parseCommitKey reads table and tag from a lake key (schema.ParseLakeKey)
// whose file is named "<table>-c<tag>-….parquet".
func parseCommitKey(key string) (table string, tag uint64, ok bool) {
	f, err := schema.ParseLakeKey(key)
	if err != nil {
		return "", 0, false
	}
	table = f.Table
	rest, ok := strings.CutPrefix(f.Name, table+"-"+tagPrefix)
	if !ok || len(rest) < 21 || rest[20] != '-' {
		return "", 0, false
	}
	tag, err = strconv.ParseUint(rest[:20], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return table, tag, true
}

// List returns the keys of the files under prefix (slash-separated,
// relative to the lake root), skipping temporary files.
func (d *Dir) List(ctx context.Context, prefix string) ([]string, error) {
	root := filepath.Join(d.Root, filepath.FromSlash(prefix))
	var out []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(d.Root, p)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("lake %s: list %s: %w", d.Root, prefix, err)
	}
	return out, nil
}

// s3Lister is the listing call of the S3 client, when it has one.
type s3Lister interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// List returns the keys under prefix, relative to the lake root.
func (b *Bucket) List(ctx context.Context, prefix string) ([]string, error) {
	lc, ok := b.Client.(s3Lister)
	if !ok {
		return nil, fmt.Errorf("lake %s: the S3 client cannot list", b)
	}
	root := b.objectKey("")
	var out []string
	p := s3.NewListObjectsV2Paginator(lc, &s3.ListObjectsV2Input{Bucket: &b.Name, Prefix: aws.String(b.objectKey(prefix))})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("lake %s: list %s: %w", b, prefix, err)
		}
		for _, o := range page.Contents {
			out = append(out, strings.TrimPrefix(aws.ToString(o.Key), root))
		}
	}
	return out, nil
}
