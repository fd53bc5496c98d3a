# The first-time searches of the catalogue benchmark: 4,000 queries, 250 common
# words alone (many match tens of thousands of titles) and pairs of them, some
# with a filter, in a fixed random order. Prints one API path per line.
# With --words: only the 250 words, each alone without a filter.
#
#   python3 scripts/bench/first-time-searches.py http://host:port/api/v1/organisations/den-haag [--words]
import random, sys, urllib.parse
base = urllib.parse.urlparse(sys.argv[1]).path
words = """account africa age agriculture air america ancient animals annual architecture army atlas bank battle bible
biography birds bridge british business california canada catalog catholic chemistry chicago china christian church city
civil climate coal college colonial commerce committee community congress conservation constitution construction county
court crime culture dance design development diseases drama drawing early earth east economics education egypt
election electric energy engineering english environment essays europe evolution exhibition family farm federal fiction
finance fishes florida folk food forest france french furniture geology german government greek guide health hearing
high highway hospital house housing illinois immigration india indian industry insurance international ireland iron
islands israel italy japan jewish journal juvenile labor land language latin letters literature london machine
management manual maps marine market mathematics medical medicine memoirs methods mexico military mineral mining
missions modern mountains museum national natural navy new news north nuclear ocean ohio oil painting paris
peace pennsylvania people philosophy photography physics plants police political population ports power president
press prices production program psychology public race radio records reform region religion report research resources
revolution rights river roman rural russia school sea security sermons ships soil songs south soviet space spain state
statistics steel stories study survey taxation teaching technology texas theater theory trade transportation travel
trees urban valley virginia voyages wages washington water wealth west wildlife women wood workers youth""".split()
variants = ["", "", "", "&format=book", "&language=eng", "&available=true", "&sort=newest"]
random.seed(2026)
if "--words" in sys.argv:
    for w in words: print(f"{base}/search?q={w}")
    sys.exit(0)
pairs = [f"{a} {b}" for a in words for b in words if a < b]
random.shuffle(pairs)
queries = words + pairs[:4000 - len(words)]
random.shuffle(queries)
for q in queries:
    print(f"{base}/search?q={urllib.parse.quote(q)}{random.choice(variants)}")
