package graph

import (
	"fmt"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/openapi"
)

// importOpts are importCollection's options, checked against the format.
type importOpts struct {
	name    string
	openapi openapi.Options
}

// importOptions refuses an option that does not apply to the format, so a
// tag given with a Postman file is an error rather than silently ignored.
func importOptions(format model.ImportFormat, in *model.ImportOptions) (importOpts, error) {
	var o importOpts
	if in == nil {
		return o, nil
	}
	if in.Tag != nil || len(in.Operations) > 0 {
		if format != model.ImportFormatOpenapi {
			return o, fmt.Errorf("options.tag and options.operations apply to OPENAPI documents only: %w", collection.ErrInvalid)
		}
		if in.Tag != nil {
			o.openapi.Tag = *in.Tag
		}
		o.openapi.Operations = in.Operations
	}
	if in.Name != nil {
		if format != model.ImportFormatHar && format != model.ImportFormatCurl {
			return o, fmt.Errorf("options.name applies to HAR and CURL input only: %w", collection.ErrInvalid)
		}
		o.name = *in.Name
	}
	return o, nil
}
