package gen

import "math/rand/v2"

// surnames are the most common Chinese surnames, most common first; a draw
// favours the front of the list as real names do.
var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
	"郭", "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "邓", "韩", "冯", "曹",
	"彭", "曾", "肖", "田", "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏",
	"苏", "吕", "丁", "任", "卢", "姚", "沈", "钟", "姜", "崔", "谭", "陆", "范", "汪", "廖",
	"欧阳", "司马", "诸葛",
}

var givenMale = []string{
	"伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华",
	"飞", "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "志",
	"国", "建", "文", "博", "子", "轩", "晨", "昊", "然", "嘉",
}

var givenFemale = []string{
	"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "燕", "婷", "雪", "慧", "红",
	"琳", "倩", "颖", "欣", "怡", "梦", "佳", "雨", "思", "涵", "悦", "晓", "丹", "萍", "洁",
	"文", "嘉", "子", "诗", "琪", "瑶", "璐", "莉", "蕾", "薇",
}

var latinFirst = []string{"John", "Emma", "Liam", "Olivia", "Noah", "Sophie", "Lucas", "Mia", "Daniel", "Anna", "Thomas", "Laura", "David", "Julia", "Pierre", "Hannah"}
var latinLast = []string{"Smith", "Johnson", "Brown", "Müller", "Schmidt", "Martin", "Bernard", "Wilson", "Taylor", "Anderson", "Dubois", "Fischer", "Walker", "Clark", "Wright", "Weber"}
var latinNationality = []string{"USA", "GBR", "DEU", "FRA", "CAN", "AUS"}

// skewed draws an index below n favouring small ones (the minimum of two
// uniform draws), for lists ordered by frequency.
func skewed(r *rand.Rand, n int) int { return min(r.IntN(n), r.IntN(n)) }

func chineseName(r *rand.Rand, male bool) string {
	given := givenFemale
	if male {
		given = givenMale
	}
	name := surnames[skewed(r, len(surnames))] + given[r.IntN(len(given))]
	if r.IntN(3) > 0 { // most given names have two characters
		name += given[r.IntN(len(given))]
	}
	return name
}
