package graph

import "github.com/catena-monitor/catena/graph/model"

// parseID reads an ID argument; a malformed one names nothing (NOT_FOUND).
func parseID[T ~int64](s string) (T, error) { return model.ParseID[T](s) }

func optID[T ~int64](s *string) (*T, error) {
	if s == nil {
		return nil, nil
	}
	id, err := parseID[T](*s)
	if err != nil {
		return nil, err
	}
	return &id, nil
}
