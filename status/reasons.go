package status

// Reason codes are stable machine codes: clients, checkpoints and other
// regions key on them, so they never change meaning once published.
const (
	CaseConfirmed         = "case_confirmed"
	CaseSuspected         = "case_suspected"
	CaseAsymptomatic      = "case_asymptomatic"
	CloseContact          = "close_contact"
	SecondaryContact      = "secondary_contact"
	Companion             = "companion"
	QuarantineCentralised = "quarantine_centralised"
	QuarantineHome        = "quarantine_home"
	HomeMonitoring        = "home_monitoring"
	PositiveTest          = "positive_test"
	PooledPositive        = "pooled_positive"
	DeclaredFever         = "declared_fever"
	DeclaredRespiratory   = "declared_respiratory"
	DeclaredCaseContact   = "declared_case_contact"
	HighRiskArea          = "high_risk_area"
	RemoteRed             = "remote_red"
	RemoteYellow          = "remote_yellow"

	// Action reasons set action_required and never change the colour.
	DrugPurchase  = "drug_purchase"
	FeverMedicine = "fever_medicine"
	FeverAtCheck  = "fever_at_check"

	// AppealAccepted replaces every other reason while the corrected
	// status of an accepted appeal holds; its Detail is the staff's reason.
	AppealAccepted = "appeal_accepted"
)

// reason indexes the catalog; the engine keeps per-reason state in arrays
// indexed by it instead of maps, and lists reasons in this order.
type reason uint8

const (
	rCaseConfirmed reason = iota
	rCaseSuspected
	rCaseAsymptomatic
	rCloseContact
	rSecondaryContact
	rCompanion
	rQuarantineCentralised
	rQuarantineHome
	rHomeMonitoring
	rPositiveTest
	rPooledPositive
	rDeclaredFever
	rDeclaredRespiratory
	rDeclaredCaseContact
	rHighRiskArea
	rRemoteRed
	rRemoteYellow
	rDrugPurchase
	rFeverMedicine
	rFeverAtCheck
	rAppealAccepted
	numReasons

	// Reasons before numColourReasons take their colour from the policy;
	// those up to numActionReasons are action reasons. rAppealAccepted
	// takes its colour from the appeal and is never tallied.
	numColourReasons = rDrugPurchase
	numActionReasons = rAppealAccepted
)

type reasonText struct {
	code, zh, en string
}

var catalog = [numReasons]reasonText{
	rCaseConfirmed:         {CaseConfirmed, "确诊病例", "Confirmed case"},
	rCaseSuspected:         {CaseSuspected, "疑似病例", "Suspected case"},
	rCaseAsymptomatic:      {CaseAsymptomatic, "无症状感染者", "Asymptomatic infection"},
	rCloseContact:          {CloseContact, "密切接触者", "Close contact of a case"},
	rSecondaryContact:      {SecondaryContact, "密接的密接", "Contact of a close contact"},
	rCompanion:             {Companion, "时空伴随者", "Spatiotemporal companion of a case"},
	rQuarantineCentralised: {QuarantineCentralised, "集中隔离中", "In centralised quarantine"},
	rQuarantineHome:        {QuarantineHome, "居家隔离中", "In home quarantine"},
	rHomeMonitoring:        {HomeMonitoring, "居家健康监测中", "Under home health monitoring"},
	rPositiveTest:          {PositiveTest, "核酸检测阳性", "Positive nucleic-acid test"},
	rPooledPositive:        {PooledPositive, "混检阳性，请等待单采单检结果", "Positive pooled sample: awaiting a single test"},
	rDeclaredFever:         {DeclaredFever, "申报发热", "Declared fever"},
	rDeclaredRespiratory:   {DeclaredRespiratory, "申报呼吸道症状", "Declared respiratory symptoms"},
	rDeclaredCaseContact:   {DeclaredCaseContact, "申报接触过病例", "Declared contact with a case"},
	rHighRiskArea:          {HighRiskArea, "近期到访中高风险地区", "Recently stayed in a risk area"},
	rRemoteRed:             {RemoteRed, "外地健康码为红码", "Red code in another region"},
	rRemoteYellow:          {RemoteYellow, "外地健康码为黄码", "Yellow code in another region"},
	rDrugPurchase:          {DrugPurchase, "购买了退热、止咳、抗病毒或抗菌药物，请尽快做核酸检测", "Bought fever, cough, antiviral or antibiotic medicine: please take a nucleic-acid test"},
	rFeverMedicine:         {FeverMedicine, "申报服用退烧药，请尽快做核酸检测", "Declared taking fever medicine: please take a nucleic-acid test"},
	rFeverAtCheck:          {FeverAtCheck, "晨午检或健康打卡发热，请尽快做核酸检测", "Fever at a health check: get tested"},
	rAppealAccepted:        {AppealAccepted, "申诉已受理，状态已更正", "Appeal accepted: status corrected"},
}

// Codes lists every reason code in the order reasons of one colour are
// listed in a status.
func Codes() []string {
	codes := make([]string, numReasons)
	for i, t := range catalog {
		codes[i] = t.code
	}
	return codes
}

// Text returns the Chinese and English text of a reason code.
func Text(code string) (zh, en string, ok bool) {
	r, ok := reasonOf(code)
	if !ok {
		return "", "", false
	}
	return catalog[r].zh, catalog[r].en, true
}

func reasonOf(code string) (reason, bool) {
	for i, t := range catalog {
		if t.code == code {
			return reason(i), true
		}
	}
	return 0, false
}
