package hub

import (
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/status"
)

// RegionPolicy returns the status policy the hub judges r's people by
// (way 3): the policy r was registered with, or the national default.
func RegionPolicy(r *healthcode.Region) (*status.Policy, error) {
	if r.Policy == "" {
		return status.DefaultPolicy(), nil
	}
	p, err := status.LoadPolicy([]byte(r.Policy))
	if err != nil {
		return nil, healthcode.Internal(err, "region "+r.ID+": stored policy")
	}
	return p, nil
}

// checkPolicy adds to fe why r's policy is not one the status engine takes.
func checkPolicy(r *healthcode.Region, fe *healthcode.FieldErrors) {
	if r.Policy == "" {
		return
	}
	if _, err := status.LoadPolicy([]byte(r.Policy)); err != nil {
		fe.Add("policy", err.Error())
	}
}
