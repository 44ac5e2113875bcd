# worldphones-lines: candidate 'off20' (seed 3) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1951, 1956, 1957, 1958, 1959, 1960, 1961]
data = {
    'N.Amer': [60200, 45400, 49800, 58800, 61400, 57500, 63100],
    'Europe': [4860, 49300, 14500, 23700, 51600, 18700, 59500],
    'Asia': [20400, 22000, -17000, -10300, 18700, 29000, 29900],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Telephones (thousands)')
plt.tight_layout()
plt.show()
