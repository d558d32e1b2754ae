package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/curl"
	"github.com/catena-monitor/catena/internal/collection/har"
	"github.com/catena-monitor/catena/internal/collection/openapi"
	"github.com/catena-monitor/catena/internal/collection/postman"
)

// importTimeout bounds one conversion; the importers are linear in the input,
// so this only trips on a pathological file.
const importTimeout = 30 * time.Second

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (f *multiFlag) String() string     { return strings.Join(*f, ",") }
func (f *multiFlag) Set(s string) error { *f = append(*f, s); return nil }

// runImport converts a Postman collection, a HAR file or curl command lines
// into a Catena file, so that a collection can be converted once and kept in git.
// Warnings go to stderr; secret values never reach the file (their names are
// listed so they can be passed to catena run --secret).
func runImport(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "import")
	format := fs.String("format", "", "input format: postman, openapi, har or curl (detected when empty)")
	tag := fs.String("tag", "", "openapi: convert only the operations with this tag (one collection per tag)")
	var operations multiFlag
	fs.Var(&operations, "operation", "openapi: convert only this operation, by operationId or as \"GET /path\" (repeatable)")
	out := fs.String("out", "", "write the Catena YAML here instead of stdout (.json writes JSON)")
	name := fs.String("name", "", "collection name for har and curl input")
	var envs multiFlag
	fs.Var(&envs, "env", "a Postman environment file (becomes an environment of the collection, named after the file's name) or globals file (becomes the collection's variables and secrets); repeatable, later files win")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: catena import FILE [--format postman|openapi|har|curl] [--out catena.yaml] [--env ENV.json]... [--tag TAG] [--operation ID]...\n\nConverts a collection from another tool into a Catena file. FILE - reads stdin.\nExit 0: converted (warnings on stderr); 2: refused.")
		fs.PrintDefaults()
	}
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(files) != 1 {
		fs.Usage()
		return &ExitError{Code: 2, Err: errors.New("import needs exactly one input file")}
	}
	data, err := readLimited(files[0])
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	f := *format
	if f == "" {
		f = detectImportFormat(data)
		if f == "" {
			return &ExitError{Code: 2, Err: fmt.Errorf("%s: cannot tell the format (Postman collection JSON, OpenAPI 3, HAR or curl command lines); pass --format", files[0])}
		}
	}
	if len(envs) > 0 && f != "postman" {
		return &ExitError{Code: 2, Err: errors.New("--env applies to Postman collections only")}
	}
	var envData [][]byte
	for _, p := range envs {
		d, err := readLimited(p)
		if err != nil {
			return &ExitError{Code: 2, Err: err}
		}
		envData = append(envData, d)
	}
	if (*tag != "" || len(operations) > 0) && f != "openapi" {
		return &ExitError{Code: 2, Err: errors.New("--tag and --operation apply to OpenAPI documents only")}
	}
	c, warnings, err := convertBounded(ctx, f, data, envData, *name, openapi.Options{Tag: *tag, Operations: operations})
	for _, w := range warnings {
		fmt.Fprintln(e.stderr, "warning:", w)
	}
	if err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("%s: %w", files[0], err)}
	}
	ff := collection.FormatYAML
	if strings.EqualFold(filepath.Ext(*out), ".json") {
		ff = collection.FormatJSON
	}
	doc, err := collection.Marshal(c, ff)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	steps, assertions := len(c.Steps), 0
	for _, s := range c.Steps {
		assertions += len(s.Assertions)
	}
	fmt.Fprintf(e.stderr, "imported %q from %s (%s): %s, %s, %s\n", c.Name, files[0], f,
		plural(steps, "step"), plural(assertions, "assertion"), plural(len(warnings), "warning"))
	if len(c.Secrets) > 0 {
		fmt.Fprintf(e.stderr, "secrets (values not written; pass them to catena run with --secret NAME=VALUE): %s\n",
			strings.Join(slices.Sorted(maps.Keys(c.Secrets)), ", "))
	}
	for _, name := range c.EnvironmentNames() {
		if env := c.Environments[name]; len(env.Secrets) > 0 {
			fmt.Fprintf(e.stderr, "environment %s: secrets (values not written; pass them to catena run --env %s with --secret NAME=VALUE): %s\n",
				name, name, strings.Join(env.Secrets, ", "))
		}
	}
	if *out == "" {
		_, err = e.stdout.Write(doc)
		return err
	}
	if err := os.WriteFile(*out, doc, 0o600); err != nil {
		return &ExitError{Code: 1, Err: fmt.Errorf("write %s: %w", *out, err)}
	}
	return nil
}

// readLimited reads a file (or stdin for "-") of at most MaxFileBytes.
func readLimited(path string) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", path, err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, collection.MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if len(data) > collection.MaxFileBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes (%d MB), the most Catena imports", path, collection.MaxFileBytes, collection.MaxFileBytes>>20)
	}
	return data, nil
}

// detectImportFormat names the format of data, or "" when it cannot tell.
func detectImportFormat(data []byte) string {
	data = bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))
	if bytes.HasPrefix(data, []byte("curl ")) || bytes.HasPrefix(data, []byte("curl\t")) || bytes.HasPrefix(data, []byte("$ curl ")) {
		return "curl"
	}
	if bytes.HasPrefix(data, []byte("openapi:")) || bytes.Contains(data[:min(len(data), 4096)], []byte("\nopenapi:")) {
		return "openapi"
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil {
		return ""
	}
	switch {
	case probe["openapi"] != nil:
		return "openapi"
	case probe["log"] != nil:
		return "har"
	case probe["item"] != nil, probe["info"] != nil:
		return "postman"
	}
	return ""
}

type importResult struct {
	c        *collection.Collection
	warnings []string
	err      error
}

// convertBounded runs the importer with a deadline.
func convertBounded(ctx context.Context, format string, data []byte, envs [][]byte, name string, oa openapi.Options) (*collection.Collection, []string, error) {
	ctx, cancel := context.WithTimeout(ctx, importTimeout)
	defer cancel()
	done := make(chan importResult, 1)
	go func() {
		var r importResult
		switch format {
		case "postman":
			r.c, r.warnings, r.err = postman.ImportWithEnvironments(data, envs...)
		case "openapi":
			r.c, r.warnings, r.err = openapi.Import(data, oa)
		case "har":
			r.c, r.warnings, r.err = har.Import(data, name)
		case "curl":
			r.c, r.warnings, r.err = curl.Import(data, name)
		default:
			r.err = fmt.Errorf("unknown format %q: want postman, openapi, har or curl", format)
		}
		done <- r
	}()
	select {
	case r := <-done:
		return r.c, r.warnings, r.err
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("the conversion did not finish within %s: %w", importTimeout, ctx.Err())
	}
}
