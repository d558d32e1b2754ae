package graph

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// environmentModel is an environment as the API shows it: secret names only.
func environmentModel(name string, env collection.Environment) model.Environment {
	out := model.Environment{Name: name, Shared: env.Shared, Variables: []model.Variable{}, Secrets: []model.Secret{}}
	for _, k := range slices.Sorted(maps.Keys(env.Variables)) {
		out.Variables = append(out.Variables, model.Variable{Name: k, Value: env.Variables[k]})
	}
	for _, k := range env.Secrets {
		out.Secrets = append(out.Secrets, model.Secret{Name: k, IsSet: true})
	}
	return out
}

func environmentList(envs map[string]collection.Environment) []model.Environment {
	out := make([]model.Environment, 0, len(envs))
	for _, name := range slices.Sorted(maps.Keys(envs)) {
		out = append(out, environmentModel(name, envs[name]))
	}
	return out
}

// environmentParams turns setEnvironment's input into the store's.
func environmentParams(cid *collection.CollectionID, in model.EnvironmentInput) store.SetEnvironmentParams {
	p := store.SetEnvironmentParams{CollectionID: cid, Name: in.Name}
	if in.Variables != nil {
		p.Variables = make(map[string]string, len(in.Variables))
		for _, v := range in.Variables {
			p.Variables[v.Name] = v.Value
		}
	}
	for _, s := range in.Secrets {
		if s.Value == nil {
			p.DeleteSecrets = append(p.DeleteSecrets, s.Name)
			continue
		}
		if p.SetSecrets == nil {
			p.SetSecrets = map[string]string{}
		}
		p.SetSecrets[s.Name] = *s.Value
	}
	return p
}

func monitorRetry(r collection.MonitorRetry) *model.MonitorRetry {
	out := &model.MonitorRetry{Retries: r.Retries, DelaySeconds: int(r.Delay / time.Second)}
	if r.Location != "" {
		loc := r.Location
		out.Location = &loc
	}
	return out
}

// monitorEnvironments lists the collections of m that run in an environment,
// in the monitor's collection order.
func (r *Resolver) monitorEnvironments(ctx context.Context, m *collection.Monitor) ([]model.MonitorEnvironment, error) {
	out := []model.MonitorEnvironment{}
	for _, id := range m.CollectionIDs {
		name := m.Environments[id]
		if name == "" {
			continue
		}
		c, err := r.getCollection(ctx, id)
		if errors.Is(err, collection.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, model.MonitorEnvironment{Collection: c, Environment: name})
	}
	return out, nil
}

// retryLimit is how many retries the run's monitor allows its chain now.
func (r *Resolver) retryLimit(ctx context.Context, run *collection.Run) (int, error) {
	if run.MonitorID == nil {
		return 0, nil
	}
	rt, err := r.Store.MonitorRetry(ctx, r.Store.Pool(), *run.MonitorID)
	if errors.Is(err, collection.ErrNotFound) {
		return 0, nil
	}
	return rt.Retries, err
}

// monitorExtrasFromInput adds environments and retries of a monitor input.
func monitorExtrasFromInput(m *collection.Monitor, in model.MonitorInput) error {
	for i, e := range in.Environments {
		id, err := model.ParseID[collection.CollectionID](e.CollectionID)
		if err != nil {
			return collection.Invalid(fmt.Sprintf("environments[%d].collectionId", i), "%q is not a collection id", e.CollectionID)
		}
		if e.Environment == "" {
			continue
		}
		if m.Environments == nil {
			m.Environments = map[collection.CollectionID]string{}
		}
		m.Environments[id] = e.Environment
	}
	if rt := in.Retry; rt != nil {
		m.Retry = collection.MonitorRetry{Retries: rt.Retries, Delay: time.Duration(deref(rt.DelaySeconds)) * time.Second, Location: deref(rt.Location)}
	}
	return nil
}
