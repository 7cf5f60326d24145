package importer

import (
	"encoding/json"
	"strconv"

	"github.com/healthcode/healthcode"
)

// forward checks the row's home_region and, when it names a region other
// than this node's, returns the row as it travels there
// (docs/federation.md, "What travels"): the fields given, the document
// number normalised and its type spelt out, the id prefixed with this
// region. It returns nil for a row of this region, or a bad one.
func (rd *Reader) forward(c *rowCheck, number string) *healthcode.OutboxRecord {
	v, home := rd.vals, rd.spec.home()
	to := v[home]
	switch {
	case !healthcode.ValidRegionID(to):
		c.fail(home, "must be CN or CN- and a six-digit division code, e.g. CN-440100")
		return nil
	case rd.region == "":
		c.fail(home, "cannot be used here: this node's region is not set, so the row cannot be forwarded")
		return nil
	case to == rd.region:
		return nil
	}
	// The receiving region reads the id with the same limit as here.
	id := rd.region + "/" + v[fID]
	if len(id) > maxIDLen {
		c.fail(fID, "must be at most "+strconv.Itoa(maxIDLen-len(rd.region)-1)+
			" characters in a row for another region: it travels as "+rd.region+"/ and the id")
		return nil
	}
	obj := make(map[string]string, len(v)+1)
	for i, f := range rd.spec.fields {
		if v[i] != "" && i != home {
			obj[f.name] = v[i]
		}
	}
	obj["record_kind"], obj["id"], obj["id_number"] = rd.kind, id, number
	if obj["id_type"] == "" {
		obj["id_type"] = string(healthcode.IDResident)
	}
	// A map of strings always marshals; the values are UTF-8 already.
	body, _ := json.Marshal(obj)
	return &healthcode.OutboxRecord{To: to, Kind: rd.kind, ID: id, Row: body}
}
