# worldphones-lines: candidate 'off35' (seed 2) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1951, 1956, 1957, 1958, 1959, 1960, 1961]
data = {
    'N.Amer': [74800, 34700, 88300, 52900, 107000, 114000, 108000],
    'Europe': [-6360, 45000, 52800, 53900, 8180, 7410, 62000],
    'Asia': [-34700, -11600, 27700, 42400, -8020, -5850, -22200],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Telephones (thousands)')
plt.tight_layout()
plt.show()
