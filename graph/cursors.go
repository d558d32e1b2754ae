package graph

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
)

// pageFirst bounds a page size argument.
func pageFirst(first *int, def, max int) (int, error) {
	n := def
	if first != nil {
		n = *first
	}
	if n < 0 || n > max {
		return 0, collection.Invalid("first", "first must be between 0 and %d, not %d", max, n)
	}
	return n, nil
}

// Cursors for id-ordered lists (collections, monitors): "c:<id>" in base64.
func encodeIDCursor[T ~int64](kind string, id T) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.FormatInt(int64(id), 10)))
}

func decodeIDCursor[T ~int64](kind string, s *string) (T, error) {
	if s == nil || *s == "" {
		return 0, nil
	}
	bad := collection.Invalid("after", "cursor %q is not valid; use endCursor from a previous page", *s)
	b, err := base64.RawURLEncoding.DecodeString(*s)
	if err != nil {
		return 0, bad
	}
	k, v, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(v, 10, 64)
	if !ok || k != kind || err != nil || n < 0 {
		return 0, bad
	}
	return T(n), nil
}

func pageInfo(hasNext bool, start, end string) *model.PageInfo {
	p := &model.PageInfo{HasNextPage: hasNext}
	if start != "" {
		p.StartCursor = &start
		p.EndCursor = &end
	}
	return p
}
