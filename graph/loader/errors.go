package loader

import (
	"errors"

	"github.com/catena-monitor/catena/internal/collection"
)

func isNotFound(err error) bool { return errors.Is(err, collection.ErrNotFound) }
