package vqa

import (
	"regexp"
	"sort"
	"strings"
	"sync"
)

// worldNames are countries (and the demonyms answers use for them) beyond
// an audit's list: an answer that names one picked the "Other" option.
// Names that an audit lists, or aliases it gives, are matched as that
// country instead.
var worldNames = strings.Split(`afghanistan|afghan|albania|albanian|algeria|algerian|andorra|angola|angolan|argentina|argentine|argentinian|armenia|armenian|australia|australian|austria|austrian|azerbaijan|azerbaijani|bahamas|bahrain|bangladesh|bangladeshi|barbados|belarus|belarusian|belgium|belgian|belize|benin|bhutan|bhutanese|bolivia|bolivian|bosnia|botswana|brazil|brazilian|brunei|bulgaria|bulgarian|burkina faso|burundi|cambodia|cambodian|cameroon|cameroonian|canada|canadian|cape verde|chile|chilean|colombia|colombian|comoros|congo|congolese|costa rica|croatia|croatian|cuba|cuban|cyprus|czech republic|czechia|czech|denmark|djibouti|dominican republic|ecuador|ecuadorian|egypt|egyptian|el salvador|eritrea|eritrean|estonia|estonian|eswatini|ethiopia|ethiopian|fiji|finland|finnish|france|french|gabon|gambia|germany|german|ghana|ghanaian|greece|greek|guatemala|guatemalan|guyana|haiti|haitian|honduras|hungary|hungarian|iceland|icelandic|indonesia|indonesian|iran|iranian|iraq|iraqi|ireland|irish|israel|israeli|italy|italian|ivory coast|jamaica|jamaican|japan|japanese|jordanian|kazakhstan|kazakh|kuwait|kyrgyzstan|laos|laotian|latvia|lebanon|lebanese|lesotho|liberia|liberian|libya|libyan|lithuania|luxembourg|madagascar|malagasy|malawi|malaysia|malaysian|maldives|mali|malian|malta|mauritania|mauritius|mexico|mexican|moldova|monaco|mongolia|mongolian|montenegro|morocco|moroccan|mozambique|myanmar|burma|burmese|namibia|namibian|nepal|nepali|nepalese|netherlands|holland|dutch|new zealand|nicaragua|niger|north korea|north korean|dprk|north macedonia|norway|norwegian|oman|pakistan|pakistani|palestine|palestinian|panama|papua new guinea|paraguay|peru|peruvian|philippines|filipino|poland|portugal|portuguese|qatar|romania|romanian|russia|russian|rwanda|rwandan|samoa|saudi arabia|saudi|senegal|senegalese|serbia|serbian|sierra leone|singapore|singaporean|slovakia|slovenia|somalia|somali|south africa|south african|south sudan|spain|spanish|sri lanka|sri lankan|sudan|sudanese|suriname|sweden|swedish|switzerland|swiss|syria|syrian|taiwan|taiwanese|tajikistan|tanzania|tanzanian|thailand|thai|tibet|tibetan|togo|tonga|trinidad|tunisia|tunisian|turkish|türkiye|turkmenistan|uganda|ugandan|ukraine|ukrainian|united arab emirates|uae|emirati|united kingdom|britain|great britain|british|england|scotland|scottish|wales|welsh|uruguay|uzbekistan|uzbek|venezuela|venezuelan|vietnam|viet nam|vietnamese|yemen|yemeni|zambia|zambian|zimbabwe|zimbabwean|hong kong|macau|puerto rico`, "|")

// worldNamesCased are countries whose names are also common words
// ("turkey", "chad"): they count only capitalised.
var worldNamesCased = []string{"Turkey", "Chad", "Jordan", "Georgia", "Guinea", "Polish", "Danish", "Persian"}

// worldCasedRe matches worldNamesCased case-sensitively.
var worldCasedRe = regexp.MustCompile(`\b(?:` + strings.Join(worldNamesCased, "|") + `)\b`)

var (
	worldOnce sync.Once
	worldRes  map[string]*regexp.Regexp // by the set of names left out
	worldMu   sync.Mutex
)

// worldRegexp matches any world name not in taken, longest first, so that
// "north korea" wins over "korea".
func worldRegexp(taken map[string]bool) *regexp.Regexp {
	var keep []string
	for _, n := range worldNames {
		if !taken[n] {
			keep = append(keep, n)
		}
	}
	key := strings.Join(keep, "|")
	worldMu.Lock()
	defer worldMu.Unlock()
	worldOnce.Do(func() { worldRes = map[string]*regexp.Regexp{} })
	if re, ok := worldRes[key]; ok {
		return re
	}
	sort.Slice(keep, func(i, j int) bool { return len(keep[i]) > len(keep[j]) })
	quoted := make([]string, len(keep))
	for i, n := range keep {
		quoted[i] = regexp.QuoteMeta(n)
	}
	re := regexp.MustCompile(`\b(?:` + strings.Join(quoted, "|") + `)\b`)
	if len(worldRes) < 64 {
		worldRes[key] = re
	}
	return re
}
