package http

import (
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// profileRequest is the body of PUT /api/v1/me/profile.
type profileRequest struct {
	Name              string            `json:"name"`
	IDType            healthcode.IDType `json:"id_type"`
	IDNumber          string            `json:"id_number"`
	Sex               string            `json:"sex"`
	BirthDate         string            `json:"birth_date"`
	Nationality       string            `json:"nationality"`
	Phone             string            `json:"phone"`
	HouseholdDivision string            `json:"household_division"`
	Address           string            `json:"address"`
	AddressDivision   string            `json:"address_division"`
	Conditions        []string          `json:"conditions"`
}

func (p *profileRequest) profile() *healthcode.Profile {
	return &healthcode.Profile{
		Name:              p.Name,
		IDType:            p.IDType,
		IDNumber:          p.IDNumber,
		Sex:               p.Sex,
		BirthDate:         p.BirthDate,
		Nationality:       p.Nationality,
		Phone:             p.Phone,
		HouseholdDivision: p.HouseholdDivision,
		Address:           p.Address,
		AddressDivision:   p.AddressDivision,
		Conditions:        p.Conditions,
	}
}

// profileResponse is a profile as the API shows it.
type profileResponse struct {
	profileRequest
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// maskedProfile shows p with name, document number and phone masked: a
// response can end up in logs, caches or over a shoulder, and the citizen
// knows their own data.
func maskedProfile(p *healthcode.Profile) profileResponse {
	conditions := p.Conditions
	if conditions == nil {
		conditions = []string{}
	}
	return profileResponse{
		profileRequest: profileRequest{
			Name:              idnum.MaskName(p.Name),
			IDType:            p.IDType,
			IDNumber:          idnum.MaskID(p.IDNumber),
			Sex:               p.Sex,
			BirthDate:         p.BirthDate,
			Nationality:       p.Nationality,
			Phone:             idnum.MaskPhone(p.Phone),
			HouseholdDivision: p.HouseholdDivision,
			Address:           p.Address,
			AddressDivision:   p.AddressDivision,
			Conditions:        conditions,
		},
		UpdatedAt: p.UpdatedAt,
	}
}
