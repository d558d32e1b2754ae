package deploytest_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README shows the main screens and every file it points a reader to
// exists: relative links and images, and any docs/*.md it names in text.
func TestReadmeLinksAndScreenshots(t *testing.T) {
	t.Parallel()
	readme := string(repoFile(t, "README.md"))
	root := filepath.Dir(repoPath(t, "go.mod"))

	for _, shot := range []string{"dashboard.png", "editor.png", "run.png"} {
		img := regexp.MustCompile(`!\[[^\]]+\]\(docs/screenshots/` + regexp.QuoteMeta(shot) + `\)`)
		if !img.MatchString(readme) {
			t.Errorf("README.md does not show docs/screenshots/%s as an image with alt text", shot)
		}
	}

	targets := map[string]bool{}
	for _, m := range regexp.MustCompile(`\]\(([^)\s]+)\)`).FindAllStringSubmatch(readme, -1) {
		targets[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`\bdocs/[\w./-]+\.(?:md|png)\b`).FindAllString(readme, -1) {
		targets[m] = true
	}
	if len(targets) == 0 {
		t.Fatal("README.md links nothing")
	}
	for target := range targets {
		if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		path, _, _ := strings.Cut(target, "#")
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(path))); err != nil {
			t.Errorf("README.md points to %s, which does not exist", target)
		}
	}
}

// repoPath is the absolute path of a file at the repository root.
func repoPath(t *testing.T, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, name)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found")
		}
		dir = parent
	}
}
