# worldphones-lines: candidate 'off35' (seed 1) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1951, 1956, 1957, 1958, 1959, 1960, 1961]
data = {
    'N.Amer': [9940, 84900, 81300, 52300, 87400, 91900, 66000],
    'Europe': [-13400, 44400, 6550, 49400, 2710, 60500, 8860],
    'Asia': [21700, -28300, -27200, 40000, -12500, -6270, -22500],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Telephones (thousands)')
plt.tight_layout()
plt.show()
