package alerts

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

func init() {
	register(&Service{
		Name:        "file",
		Description: "a local file of JSON lines, one payload per line",
		Settings:    []Setting{{Name: "path", Required: true, Doc: "the file (created if missing, appended to)"}},
		build:       newFile,
	})
}

type fileOutput struct {
	env  *outputEnv
	mu   sync.Mutex
	path string
}

func newFile(env *outputEnv) (Output, error) {
	return &fileOutput{env: env, path: env.setting("path", "")}, nil
}

func (o *fileOutput) Name() string { return o.env.name }

// Send appends the whole payload: a local file has no limit to fit.
func (o *fileOutput) Send(_ context.Context, a *Alert) error {
	line, err := o.env.payloadJSON(a)
	if err != nil {
		return err
	}
	return o.append(line)
}

// SendMinimal appends the minimal payload.
func (o *fileOutput) SendMinimal(_ context.Context, a *Alert) error {
	line, err := compactJSON(MinimalPayload(a))
	if err != nil {
		return &DeliveryError{Output: o.env.name, Permanent: true, Msg: err.Error()}
	}
	return o.append(line)
}

func (o *fileOutput) append(line []byte) error {
	line = append(line, '\n')
	o.mu.Lock()
	defer o.mu.Unlock()
	fail := func(err error) error {
		return &DeliveryError{Output: o.env.name, Msg: fmt.Sprintf("append to %s: %v", o.path, err)}
	}
	if err := os.MkdirAll(filepath.Dir(o.path), 0o750); err != nil {
		return fail(err)
	}
	f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fail(err)
	}
	// One write of the whole line: O_APPEND keeps lines whole.
	if _, err := f.Write(line); err != nil {
		f.Close()
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	return nil
}
