package graph

import (
	"time"

	"github.com/catena-monitor/catena/graph/generated"
	"github.com/catena-monitor/catena/internal/collection"
)

// Complexity estimates. Each field costs 1 plus its selection; a list costs
// its selection times how many items it can return: the page size for
// connections, a typical size for child lists without arguments. Aliases are
// separate selections and are counted separately.
const (
	// ComplexityLimit bounds one operation. Listing 100 collections with their
	// steps and last run costs about 5,000; the dashboard's page of 100
	// monitors with stats, open incidents and locations about 9,000.
	ComplexityLimit = 20000

	stepsPerCollection   = 10
	itemsPerChildList    = 5
	stepsPerRun          = 10
	statsCost            = 50 // reads up to a week of runs
	defaultCollectionsPg = 50
	defaultRunsPg        = 20
)

func pageCost(child int, first *int, def int) int {
	n := def
	if first != nil && *first > 0 {
		n = *first
	}
	return 1 + child*n
}

func listCost(n int) func(int) int {
	return func(child int) int { return 1 + child*n }
}

// Complexity returns the list-aware complexity functions.
func Complexity() generated.ComplexityRoot {
	var c generated.ComplexityRoot
	c.Query.Collections = func(child int, _ *string, first *int, _, _ *string) int {
		return pageCost(child, first, defaultCollectionsPg)
	}
	c.Query.Runs = func(child int, _, _ *string, _ []collection.RunStatus, _ *string, _, _ *time.Time, first *int, _, _ *string) int {
		return pageCost(child, first, defaultRunsPg)
	}
	c.Query.Monitors = func(child int, first *int, _, _ *string) int { return pageCost(child, first, defaultCollectionsPg) }
	c.Query.Incidents = func(child int, _ *string, _ []collection.IncidentStatus, first *int) int {
		return pageCost(child, first, defaultCollectionsPg)
	}
	c.Query.Deliveries = func(child int, _, _ *string, first *int) int { return pageCost(child, first, defaultCollectionsPg) }
	c.Query.Users = listCost(defaultCollectionsPg)
	c.Query.AlertChannels = listCost(defaultCollectionsPg)
	c.Query.APITokens = listCost(itemsPerChildList * 2)

	c.Collection.Steps = listCost(stepsPerCollection)
	c.Collection.Monitors = listCost(itemsPerChildList)
	c.Collection.Secrets = listCost(itemsPerChildList)
	c.Collection.Variables = listCost(itemsPerChildList)
	c.Step.Assertions = listCost(itemsPerChildList)
	c.Step.Headers = listCost(itemsPerChildList)
	c.Run.Steps = listCost(stepsPerRun)
	c.StepResult.Assertions = listCost(itemsPerChildList)
	c.SentRequest.Headers = listCost(itemsPerChildList)
	c.ReceivedResponse.Headers = listCost(itemsPerChildList * 2)
	c.Monitor.Collections = listCost(itemsPerChildList)
	c.Monitor.Channels = listCost(itemsPerChildList)
	c.Monitor.Stats = func(child int) int { return statsCost + child }
	// The sparkline is a projection of the runs statsCost already paid for:
	// at most sparkPoints scalar-only items built in memory, with nothing to
	// nest under them, so its size cannot be amplified. Charging it per point
	// made the dashboard's 100 monitors cost ~29,000; it costs its selection.
	c.MonitorStats.Latency = func(child int) int { return 1 + child }
	c.Query.Locations = listCost(itemsPerChildList * 2)
	c.Incident.Deliveries = listCost(itemsPerChildList)
	c.AlertChannel.Config = listCost(itemsPerChildList)
	return c
}
