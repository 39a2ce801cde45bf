"""The evaluation's occupations: for each, a job description written for the
evaluation, the required skills a recruiter would list for it (the hand
labels the derived rubric is measured against), and the material resumes are
built from. Every person, employer and school is fictional.

A hand label is a list of accepted spellings: the first is the skill, the
others are the same skill written another way ("BLS" and "basic life
support"). Each skill in "skills" is a phrase a strong resume uses verbatim.
"""

OCCUPATIONS = [
    {
        "key": "software",
        "title": "Backend Software Engineer",
        "company": "Northwind Labs",
        "city": "Bristol",
        "years": 4,
        "intro": "Northwind Labs builds the payment services behind three hundred online shops. "
                 "You will design, build and run backend services that handle millions of requests a day.",
        "duties": ["Design and build REST APIs in Python and Go",
                   "Own PostgreSQL schemas, queries and migrations",
                   "Ship through CI/CD pipelines onto Kubernetes with Docker images",
                   "Review code and take part in the on-call rota"],
        "skills": ["Python", "Go", "PostgreSQL", "REST APIs", "Docker", "Kubernetes", "CI/CD"],
        "labels": [["Python"], ["Go", "golang"], ["PostgreSQL", "postgres"], ["REST APIs", "REST", "REST API"],
                   ["Docker"], ["Kubernetes", "k8s"], ["CI/CD", "continuous integration"]],
        "nice": ["Kafka", "Terraform"],
        "roles": ["Software Engineer", "Backend Developer"],
        "work": ["Built REST APIs in Python and Go serving two million requests a day",
                 "Designed PostgreSQL schemas and tuned slow queries with indexes",
                 "Packaged services as Docker images and ran them on Kubernetes",
                 "Set up CI/CD pipelines that ran tests and deployed every merge"],
        "degree": "BSc Computer Science, University of Wessex",
    },
    {
        "key": "hospitality",
        "title": "Restaurant Manager",
        "company": "The Old Quay Kitchen",
        "city": "Cork",
        "years": 3,
        "intro": "The Old Quay Kitchen is a 120-cover restaurant on the harbour. "
                 "We need a manager who runs a calm floor and a profitable week.",
        "duties": ["Lead and schedule a front-of-house team of fifteen",
                   "Keep food safety and HACCP records up to date",
                   "Control stock, ordering and wage costs against budget",
                   "Handle guest complaints and build repeat business"],
        "skills": ["staff scheduling", "food safety", "HACCP", "stock control", "cash handling",
                   "customer service", "POS systems"],
        "labels": [["staff scheduling", "rota planning", "scheduling"], ["food safety", "food hygiene"], ["HACCP"],
                   ["stock control", "inventory management", "inventory"], ["cash handling"],
                   ["customer service", "guest service"], ["POS systems", "POS", "point of sale"]],
        "nice": ["wine knowledge", "events"],
        "roles": ["Restaurant Manager", "Assistant Restaurant Manager"],
        "work": ["Ran staff scheduling for a team of eighteen and cut overtime by a fifth",
                 "Kept food safety and HACCP logs that passed every inspection",
                 "Owned stock control, weekly ordering and cash handling at close",
                 "Trained staff in customer service and in our POS systems"],
        "degree": "Diploma in Hospitality Management, Shannon College",
    },
    {
        "key": "nursing",
        "title": "Registered Nurse",
        "company": "St Brendan's Hospital",
        "city": "Leeds",
        "years": 3,
        "intro": "St Brendan's Hospital is looking for a registered nurse for its acute medical ward. "
                 "You will care for adult patients from admission to discharge.",
        "duties": ["Assess patients and plan their care",
                   "Administer medication and IV therapy safely",
                   "Dress wounds and prevent pressure injuries",
                   "Keep accurate electronic health records"],
        "skills": ["patient assessment", "medication administration", "wound care", "IV therapy",
                   "electronic health records", "BLS certification", "infection control"],
        "labels": [["patient assessment"], ["medication administration"], ["wound care"],
                   ["IV therapy", "intravenous therapy"], ["electronic health records", "EHR"],
                   ["BLS certification", "BLS", "basic life support"], ["infection control"]],
        "nice": ["ICU experience", "mentoring students"],
        "roles": ["Registered Nurse", "Staff Nurse"],
        "work": ["Carried out patient assessment for up to eight adults a shift on an acute ward",
                 "Handled medication administration and IV therapy under the trust's policies",
                 "Led wound care and infection control audits for the ward",
                 "Kept electronic health records complete; hold a current BLS certification"],
        "degree": "BSc Adult Nursing, University of Calder",
    },
    {
        "key": "finance",
        "title": "Financial Analyst",
        "company": "Harbourline Capital",
        "city": "Edinburgh",
        "years": 3,
        "intro": "Harbourline Capital manages funds for charities and pension schemes. "
                 "Our finance team needs an analyst to sharpen budgets, forecasts and reporting.",
        "duties": ["Build financial models and monthly forecasts",
                   "Prepare variance analysis for the board",
                   "Own budgeting with each department head",
                   "Automate reporting in Excel and SQL"],
        "skills": ["financial modelling", "forecasting", "budgeting", "variance analysis", "Excel", "SQL",
                   "financial reporting"],
        "labels": [["financial modelling", "financial modeling"], ["forecasting"], ["budgeting"],
                   ["variance analysis"], ["Excel"], ["SQL"], ["financial reporting", "reporting"]],
        "nice": ["CFA", "Power BI"],
        "roles": ["Financial Analyst", "Finance Analyst"],
        "work": ["Built financial modelling workbooks for three funds and their forecasting",
                 "Ran budgeting rounds with eleven department heads",
                 "Wrote variance analysis and financial reporting packs for the board",
                 "Automated month-end in Excel and SQL, saving four days a month"],
        "degree": "BSc Accounting and Finance, University of Forth",
    },
    {
        "key": "electrician",
        "title": "Electrician",
        "company": "Brightwire Electrical",
        "city": "Manchester",
        "years": 3,
        "intro": "Brightwire Electrical fits out homes, shops and small offices. "
                 "We are hiring a qualified electrician for domestic and commercial work.",
        "duties": ["Install and rewire domestic and commercial circuits",
                   "Fault-find and repair electrical systems",
                   "Test, inspect and certify installations",
                   "Work to the wiring regulations and site safety rules"],
        "skills": ["electrical installation", "fault finding", "inspection and testing", "wiring regulations",
                   "commercial wiring", "domestic rewiring", "PAT testing"],
        "labels": [["electrical installation", "installation"], ["fault finding", "fault-finding"],
                   ["inspection and testing", "testing and inspection"],
                   ["wiring regulations", "BS 7671", "18th edition"], ["commercial wiring"],
                   ["domestic rewiring", "rewiring"], ["PAT testing"]],
        "nice": ["EV charger installation", "solar PV"],
        "roles": ["Electrician", "Approved Electrician"],
        "work": ["Carried out electrical installation and domestic rewiring in over two hundred homes",
                 "Did fault finding on commercial wiring in shops and offices",
                 "Completed inspection and testing and issued certificates to the wiring regulations",
                 "Ran PAT testing for office clients every quarter"],
        "degree": "Level 3 Electrical Installation, Salford Technical College",
    },
    {
        "key": "teaching",
        "title": "Secondary Mathematics Teacher",
        "company": "Riverside Academy",
        "city": "Nottingham",
        "years": 2,
        "intro": "Riverside Academy is a secondary school of 1,100 pupils. "
                 "We need a mathematics teacher for Key Stage 3 and GCSE classes.",
        "duties": ["Plan and teach mathematics lessons across Key Stages 3 and 4",
                   "Manage behaviour and keep classrooms purposeful",
                   "Assess pupils and track their progress",
                   "Adapt lessons for pupils with special educational needs"],
        "skills": ["lesson planning", "classroom management", "assessment", "differentiation", "GCSE mathematics",
                   "safeguarding", "qualified teacher status"],
        "labels": [["lesson planning"], ["classroom management", "behaviour management"], ["assessment"],
                   ["differentiation"], ["GCSE mathematics", "GCSE", "mathematics"], ["safeguarding"],
                   ["qualified teacher status", "QTS"]],
        "nice": ["A-level teaching", "tutoring"],
        "roles": ["Mathematics Teacher", "Teacher of Mathematics"],
        "work": ["Led lesson planning for Year 9 and GCSE mathematics groups",
                 "Kept strong classroom management in mixed-ability classes",
                 "Used assessment data and differentiation to lift grades by half a grade",
                 "Completed safeguarding training; hold qualified teacher status"],
        "degree": "PGCE Secondary Mathematics, University of Trent",
    },
    {
        "key": "logistics",
        "title": "Warehouse Operations Supervisor",
        "company": "Pennine Freight",
        "city": "Leicester",
        "years": 3,
        "intro": "Pennine Freight runs a 20,000-pallet distribution centre for grocery brands. "
                 "We are hiring a supervisor for the night shift.",
        "duties": ["Run inbound and outbound flows on the shift",
                   "Keep stock accurate in the warehouse management system",
                   "Plan pick routes and loading for each route",
                   "Lead health and safety on the floor"],
        "skills": ["warehouse management system", "inventory control", "forklift licence", "health and safety",
                   "shift supervision", "order picking", "dispatch planning"],
        "labels": [["warehouse management system", "WMS"], ["inventory control", "inventory", "stock control"],
                   ["forklift licence", "forklift", "forklift license"], ["health and safety"],
                   ["shift supervision", "supervision"], ["order picking", "picking"],
                   ["dispatch planning", "dispatch"]],
        "nice": ["lean", "SAP"],
        "roles": ["Warehouse Supervisor", "Shift Team Leader"],
        "work": ["Led shift supervision for thirty operatives across inbound and dispatch planning",
                 "Kept inventory control at 99.6 per cent in the warehouse management system",
                 "Redesigned order picking routes and cut walking time by a quarter",
                 "Ran health and safety briefings; hold a forklift licence"],
        "degree": "Certificate in Logistics and Supply Chain, Midlands College",
    },
    {
        "key": "sales",
        "title": "Account Executive",
        "company": "Cobalt Software",
        "city": "London",
        "years": 3,
        "intro": "Cobalt Software sells scheduling software to clinics and salons. "
                 "We are hiring an account executive to win and grow mid-market customers.",
        "duties": ["Prospect and qualify new business",
                   "Run demos and negotiate contracts",
                   "Keep the pipeline accurate in Salesforce",
                   "Meet and beat a quarterly quota"],
        "skills": ["B2B sales", "prospecting", "negotiation", "Salesforce", "pipeline management", "account management",
                   "cold calling"],
        "labels": [["B2B sales", "business-to-business sales"], ["prospecting"], ["negotiation"],
                   ["Salesforce", "CRM"], ["pipeline management", "pipeline"],
                   ["account management"], ["cold calling"]],
        "nice": ["SaaS", "MEDDIC"],
        "roles": ["Account Executive", "Sales Executive"],
        "work": ["Closed B2B sales worth 1.2 million a year, 118 per cent of quota",
                 "Did prospecting and cold calling into clinics, booking twenty meetings a month",
                 "Led negotiation on contracts and account management for forty customers",
                 "Kept pipeline management tidy in Salesforce for weekly forecasts"],
        "degree": "BA Business Studies, University of Thames",
    },
    {
        "key": "marketing",
        "title": "Digital Marketing Manager",
        "company": "Fernleaf Outdoor",
        "city": "Glasgow",
        "years": 4,
        "intro": "Fernleaf Outdoor sells camping gear online across Europe. "
                 "We need a digital marketing manager to grow traffic and sales.",
        "duties": ["Own SEO and content for the shop",
                   "Run paid search and social campaigns",
                   "Plan email marketing journeys",
                   "Report on campaigns with Google Analytics"],
        "skills": ["SEO", "Google Analytics", "content marketing", "email marketing", "social media marketing",
                   "PPC", "campaign management"],
        "labels": [["SEO", "search engine optimisation"], ["Google Analytics"], ["content marketing", "content"],
                   ["email marketing"], ["social media marketing", "social media"], ["PPC", "paid search"],
                   ["campaign management", "campaigns"]],
        "nice": ["HubSpot", "copywriting"],
        "roles": ["Digital Marketing Manager", "Marketing Executive"],
        "work": ["Grew organic traffic 70 per cent through SEO and content marketing",
                 "Ran PPC and social media marketing budgets of 40,000 a month",
                 "Built email marketing journeys that brought in a fifth of revenue",
                 "Led campaign management and reported results in Google Analytics"],
        "degree": "BA Marketing, University of Clyde",
    },
    {
        "key": "data",
        "title": "Data Analyst",
        "company": "Larkspur Retail",
        "city": "Birmingham",
        "years": 2,
        "intro": "Larkspur Retail has 140 stores and a growing online shop. "
                 "Our data team needs an analyst who turns sales data into decisions.",
        "duties": ["Query sales and stock data with SQL",
                   "Build dashboards in Tableau",
                   "Analyse trends and run A/B tests with Python",
                   "Present findings to buyers and store managers"],
        "skills": ["SQL", "Python", "Tableau", "data visualisation", "statistics", "A/B testing", "data cleaning"],
        "labels": [["SQL"], ["Python"], ["Tableau"], ["data visualisation", "data visualization", "visualisation"],
                   ["statistics", "statistical analysis"], ["A/B testing", "AB testing"], ["data cleaning"]],
        "nice": ["dbt", "Looker"],
        "roles": ["Data Analyst", "Business Analyst"],
        "work": ["Wrote SQL and Python for weekly sales and stock analysis",
                 "Built Tableau dashboards and data visualisation for 140 store managers",
                 "Designed A/B testing of promotions with sound statistics",
                 "Automated data cleaning of supplier feeds"],
        "degree": "BSc Mathematics and Statistics, University of Arden",
    },
]


def description(o):
    """The job description of occupation o, as a recruiter would write it (header lines, sections)."""
    lines = [o["title"], "%s · %s · Full time" % (o["company"], o["city"]), "", "About the role", o["intro"], "",
             "What you will do"]
    lines += ["- " + d for d in o["duties"]]
    lines += ["", "Requirements",
              "- %d+ years of experience as a %s or in a similar role" % (o["years"], o["roles"][0])]
    lines += ["- " + s for s in o["skills"]]
    lines += ["", "Nice to have"] + ["- " + s for s in o["nice"]]
    return "\n".join(lines) + "\n"


def join_list(items, conj="and"):
    """'a, b and c' (conj "or": 'a, b or c')."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " " + conj + " " + items[-1]


# How prose descriptions ask for the skills and the nice-to-haves, one way per occupation in turn.
PROSE_REQUIRED = ["To do well here you will need %s.", "We are looking for someone with %s.",
                  "The successful candidate will have %s.", "You must have %s."]
PROSE_NICE = ["It would be great if you also had %s.", "Experience with %s is a plus.", "Bonus points for %s."]


def description_prose(o, i):
    """The same job written as a few paragraphs with no sections or bullets, as many small employers write
    them: the duties in a sentence, the years in another, the skills in a list after a phrase that asks for
    them, the nice-to-haves after one that wishes for them (the i-th wording of each)."""
    duties = [d[0].lower() + d[1:] for d in o["duties"]]
    lines = [o["title"], "%s \u00b7 %s \u00b7 Full time" % (o["company"], o["city"]), "",
             o["intro"] + " In this job you will " + join_list(duties) + ".", "",
             "We ask for %d or more years as a %s or in a similar role. " % (o["years"], o["roles"][0]) +
             PROSE_REQUIRED[i % len(PROSE_REQUIRED)] % join_list(o["skills"]) + " " +
             PROSE_NICE[i % len(PROSE_NICE)] % join_list(o["nice"], "or" if i % len(PROSE_NICE) == 1 else "and")]
    return "\n".join(lines) + "\n"

