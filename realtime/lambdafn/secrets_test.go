package lambdafn

import (
	"errors"
	"testing"

	"github.com/streamalert/streamalert/alerts"
)

// failingSecrets stands for a source that cannot be read (SSM down).
type failingSecrets struct{ err error }

func (f failingSecrets) Get(string) (map[string]string, error) { return nil, f.err }

func TestSecretsChain_FirstSourceWithSecretsAnswers(t *testing.T) {
	ssmLike := jsonSecrets{"slack:security": {"webhook_url": "from-ssm"}}
	env := jsonSecrets{"slack:security": {"webhook_url": "from-env"}, "pagerduty:oncall": {"routing_key": "from-env"}}
	down := failingSecrets{errors.New("ssm: access denied")}
	tests := []struct {
		name    string
		chain   alerts.SecretSource
		output  string
		want    string // webhook_url or routing_key; "" = error
		wantErr error
	}{
		{"first wins", SecretsChain(ssmLike, env), "slack:security", "from-ssm", nil},
		{"falls back", SecretsChain(ssmLike, env), "pagerduty:oncall", "from-env", nil},
		{"none has it", SecretsChain(ssmLike, env), "jira:sec", "", alerts.ErrNoSecret},
		{"failure then fallback", SecretsChain(down, env), "pagerduty:oncall", "from-env", nil},
		{"failure reported", SecretsChain(down, env), "jira:sec", "", down.err},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.chain.Get(tt.output)
			got := m["webhook_url"] + m["routing_key"]
			if got != tt.want || (tt.wantErr == nil) != (err == nil) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Errorf("got %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
