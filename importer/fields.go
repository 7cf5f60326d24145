package importer

import "github.com/healthcode/healthcode"

// Every kind starts with the fields that find the person.
const (
	fID = iota
	fIDType
	fIDNumber
	fName
	firstKindField
)

var commonFields = []fieldSpec{
	{"id", true}, {"id_type", false}, {"id_number", true}, {"name", false},
}

// HomeRegion is the optional field every kind ends with: the region that
// issues the person's code, when not this one. Such a row is not a record
// of this node: it is forwarded there (see Reader.SetRegion).
const HomeRegion = "home_region"

// fieldSpec is one field of a kind: its name (the CSV column and the
// NDJSON key) and whether a row must give it.
type fieldSpec struct {
	name     string
	required bool
}

// kindSpec is the field table of one record kind; fields after the common
// ones are read by position by the kind's convert function.
type kindSpec struct {
	fields  []fieldSpec
	convert func(c *rowCheck, v []string, row *healthcode.ImportRow)
}

// home is the position of HomeRegion: the last field.
func (k *kindSpec) home() int { return len(k.fields) - 1 }

var kinds = map[string]*kindSpec{
	healthcode.KindTests: {withCommon(
		fieldSpec{"sampled_at", true}, fieldSpec{"reported_at", false}, fieldSpec{"result", true},
		fieldSpec{"method", false}, fieldSpec{"pooled", false}, fieldSpec{"lab", false},
	), convertTest},
	healthcode.KindVaccinations: {withCommon(
		fieldSpec{"product", true}, fieldSpec{"dose", true}, fieldSpec{"date", true},
	), convertVaccination},
	healthcode.KindCases: {withCommon(
		fieldSpec{"kind", true}, fieldSpec{"onset", true}, fieldSpec{"status", false},
	), convertCase},
	healthcode.KindContacts: {withCommon(
		fieldSpec{"degree", true}, fieldSpec{"case_id", false}, fieldSpec{"last_exposure", true},
	), convertContact},
	healthcode.KindQuarantines: {withCommon(
		fieldSpec{"kind", true}, fieldSpec{"start", true}, fieldSpec{"end", false},
	), convertQuarantine},
	healthcode.KindTravel: {withCommon(
		fieldSpec{"division", true}, fieldSpec{"from", true}, fieldSpec{"to", true},
	), convertTravel},
}

func withCommon(fs ...fieldSpec) []fieldSpec {
	return append(append(append([]fieldSpec{}, commonFields...), fs...), fieldSpec{HomeRegion, false})
}

// index returns the position of the field named name, -1 when unknown.
func (k *kindSpec) index(name string) int {
	for i, f := range k.fields {
		if f.name == name {
			return i
		}
	}
	return -1
}

// Fields returns the field names of the records of kind, the
// person-finding ones first, and whether each is required; nil for an
// unknown kind. HomeRegion, which every kind takes besides, routes a row
// rather than describing a record and is not listed.
func Fields(kind string) (names []string, required []bool) {
	k, ok := kinds[kind]
	if !ok {
		return nil, nil
	}
	for _, f := range k.fields[:k.home()] {
		names = append(names, f.name)
		required = append(required, f.required)
	}
	return names, required
}
