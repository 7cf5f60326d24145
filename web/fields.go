package web

import (
	"html/template"
	"strings"
)

// field is one form input as the "input" template draws it.
type field struct {
	ID, Name, Label, Type, Value string
	Hint                         string // catalog key, "" for none
	Error, ErrID, DescribedBy    string
	Attrs                        []template.HTMLAttr
}

// newField is the template function field: (field $ "name" "label.key"
// "type" "attr=value" … "hint=key"). Attributes are fixed names from the
// templates; their values are escaped.
func newField(v *view, name, label, typ string, opts ...string) field {
	f := field{ID: "f-" + strings.TrimPrefix(v.ErrID(name), "err-"), Name: name, Label: label, Type: typ,
		Value: v.Val(name), Error: v.Err(name), ErrID: v.ErrID(name)}
	var described []string
	for _, o := range opts {
		k, val, _ := strings.Cut(o, "=")
		switch {
		case k == "hint":
			f.Hint = val
			described = append(described, f.ID+"-hint")
		case val == "":
			f.Attrs = append(f.Attrs, template.HTMLAttr(template.HTMLEscapeString(k)))
		default:
			f.Attrs = append(f.Attrs, template.HTMLAttr(template.HTMLEscapeString(k)+`="`+template.HTMLEscapeString(val)+`"`))
		}
	}
	if f.Error != "" {
		described = append(described, f.ErrID)
	}
	f.DescribedBy = strings.Join(described, " ")
	return f
}
