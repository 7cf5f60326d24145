package hub

import (
	"context"

	"github.com/healthcode/healthcode"
)

// nationalColour is the national colour of a region's colour, what a
// national code carries: the hook where the regions' colour maps apply.
// While NationalColour is nil it is the region's colour.
func (g *Registry) nationalColour(ctx context.Context, region string, local healthcode.Colour) (healthcode.Colour, error) {
	if g.NationalColour == nil {
		return local, nil
	}
	c, err := g.NationalColour(ctx, region, local)
	if err != nil {
		return 0, err
	}
	if c < healthcode.Green || c > healthcode.Red {
		return 0, healthcode.Errorf(healthcode.EINTERNAL, "the colour map of %s gives colour %d", region, c)
	}
	return c, nil
}
