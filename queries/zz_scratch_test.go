package queries

import (
	"fmt"
	"os"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

func TestZZScratch(t *testing.T) {
	data, _ := os.ReadFile("testdata/logtypes.yaml")
	lts, errs := schema.ParseDefinitions("testdata/logtypes.yaml", data)
	fmt.Println(len(lts), errs)
	_, err := schema.NewRegistry(lts)
	fmt.Println(err)
}
