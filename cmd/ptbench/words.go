package main

// Vocabulary of the synthetic catalog. Each domain has its own verbs,
// objects and keywords so that searches and filters hit realistic shares of
// the data: "pipeline" appears in a few hundred of 10,000 items, a domain
// holds 5–20 % of them.

type domainWords struct {
	slug     string
	weight   int // relative share of items
	verbs    []string
	objects  []string
	keywords []string
}

var domainVocab = []domainWords{
	{"energy", 18,
		[]string{"Expand", "Finance", "Extend", "Modernise", "Secure", "Develop"},
		[]string{"gas pipeline capacity through the Southern Gas Corridor", "the Trans-Caspian pipeline feasibility study",
			"offshore wind generation on the Caspian shelf", "green hydrogen export terminals", "the Black Sea electricity interconnector",
			"grid balancing capacity for renewables", "pipeline maintenance and methane monitoring", "LNG swap arrangements with European buyers"},
		[]string{"pipeline", "gas", "renewables", "hydrogen", "grid", "caspian", "electricity", "methane", "lng", "interconnector"}},
	{"economy", 14,
		[]string{"Negotiate", "Establish", "Remove", "Promote", "Create", "Review"},
		[]string{"a bilateral investment treaty", "the waiver of Section 907 of the Freedom Support Act", "a trade and investment framework agreement",
			"a joint business council for non-oil sectors", "export credit lines for small firms", "tariff barriers on agricultural goods",
			"a free economic zone partnership", "double taxation rules for investors"},
		[]string{"trade", "investment", "section 907", "tariffs", "business", "export", "taxation", "non-oil", "sme"}},
	{"digital", 10,
		[]string{"Build", "Launch", "Fund", "Strengthen", "Develop", "Connect"},
		[]string{"a Trans-Caspian fibre-optic cable", "a regional data centre for cloud services", "joint AI research programmes",
			"cybersecurity incident response cooperation", "e-government interoperability standards", "digital skills for young engineers",
			"satellite broadband for rural districts"},
		[]string{"digital", "ai", "fibre", "cyber", "data centre", "e-government", "satellite", "broadband", "skills"}},
	{"connectivity", 14,
		[]string{"Upgrade", "Finance", "Expand", "Streamline", "Develop", "Integrate"},
		[]string{"the Middle Corridor rail link", "port capacity at the Alat free trade zone", "customs procedures along the East-West route",
			"the Zangezur transport corridor", "container logistics across the Caspian", "cross-border rail signalling",
			"a pipeline of bankable transport projects"},
		[]string{"middle corridor", "rail", "port", "logistics", "customs", "transit", "caspian", "corridor", "pipeline"}},
	{"security", 12,
		[]string{"Deepen", "Expand", "Resume", "Support", "Coordinate", "Fund"},
		[]string{"humanitarian demining in liberated territories", "maritime security cooperation in the Caspian", "border security training",
			"counter-terrorism information sharing", "peacekeeping interoperability exercises", "protection of critical energy infrastructure",
			"defence education exchanges"},
		[]string{"demining", "defence", "maritime", "border", "counter-terrorism", "security", "infrastructure", "training"}},
	{"peace", 10,
		[]string{"Support", "Facilitate", "Accelerate", "Guarantee", "Encourage", "Monitor"},
		[]string{"the signing of the peace treaty with Armenia", "border delimitation and demarcation talks", "the opening of regional communications",
			"confidence-building measures between communities", "the return of displaced persons", "a regional economic platform after the peace deal"},
		[]string{"peace treaty", "normalisation", "delimitation", "armenia", "reconciliation", "return", "regional"}},
	{"diplomacy", 10,
		[]string{"Upgrade", "Institutionalise", "Hold", "Restore", "Establish", "Renew"},
		[]string{"the strategic partnership charter", "annual high-level strategic dialogue", "regular parliamentary exchanges",
			"consular services and visa facilitation", "a U.S.-Azerbaijan working group on regional issues", "coordination in multilateral forums"},
		[]string{"strategic partnership", "dialogue", "charter", "congress", "embassy", "visa", "parliament", "multilateral"}},
	{"humanitarian", 6,
		[]string{"Fund", "Expand", "Support", "Coordinate", "Scale up", "Assist"},
		[]string{"mine victim assistance programmes", "reconstruction of housing in returned areas", "water and sanitation projects",
			"mental health services for affected families", "clearance of unexploded ordnance near schools"},
		[]string{"landmines", "victims", "reconstruction", "housing", "water", "health", "ordnance"}},
	{"education", 6,
		[]string{"Expand", "Create", "Fund", "Twin", "Promote", "Support"},
		[]string{"scholarships for graduate study in the United States", "university partnerships in engineering", "English language teaching",
			"exchange programmes for journalists", "joint research chairs on the Caspian region", "alumni networks of exchange programmes"},
		[]string{"scholarships", "exchanges", "universities", "research", "english", "alumni", "journalists"}},
}

var actors = []string{
	"The U.S. administration", "The U.S. Congress", "The Government of Azerbaijan", "Both governments",
	"The State Department", "The U.S. Department of Energy", "The U.S. Trade and Development Agency",
	"The private sector", "International financial institutions", "The European Union and the United States",
}

var rationales = []string{
	"which would lower costs for both economies", "which the report sees as the basis of a durable partnership",
	"so that regional supply routes stay open", "because current arrangements date from the 1990s",
	"as the region's connectivity is changing fast", "to reduce dependence on a single route",
	"given the progress of the peace process", "in line with commitments made at the last summit",
}

var qualifiers = []string{"by the end of the decade", "within two years", "as a matter of priority", "in stages", "with clear milestones", ""}

var userNames = []string{
	"Aysel Mammadova", "John Carter", "Leyla Aliyeva", "Michael Brooks", "Rashad Huseynov", "Emily Stone", "Farid Karimov",
	"Sarah Mitchell", "Nigar Hasanova", "David Lee", "Elvin Guliyev", "Rachel Green", "Kamran Ismayilov", "Anna Kowalski",
	"Tural Abbasov", "Laura Chen", "Orkhan Safarov", "Peter Novak", "Gunel Rzayeva",
}

var tagVocab = []string{"budget", "congress", "follow-up", "joint-statement", "working-group", "legal", "funding", "ministerial", "2026", "quick-win"}

var notePoints = []string{
	"the ministry confirmed the timeline", "funding is pending approval", "a draft text was shared with partners",
	"the working group meets again next month", "legal review found no blocker", "the embassy asked for a briefing note",
	"stakeholders disagree on sequencing", "the pipeline of projects was updated", "press coverage was positive",
	"a site visit is planned", "the budget line was cut by 10%", "the partner agency requested more data",
}

var noteOrgs = []string{"the Ministry of Energy", "the State Department desk", "SOCAR", "the EU delegation", "the World Bank team",
	"ADA University", "the Chamber of Commerce", "the Ministry of Foreign Affairs", "USAID", "the ANAMA demining agency"}

var publishers = []string{"Reuters", "Ministry of Foreign Affairs", "U.S. Department of State", "Trend News Agency", "Financial Times",
	"World Bank", "AIR Center", "Caspian Policy Center", "Official Gazette", "European Commission"}
