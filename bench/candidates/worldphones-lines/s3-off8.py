# worldphones-lines: candidate 'off8' (seed 3) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1951, 1956, 1957, 1958, 1959, 1960, 1961]
data = {
    'N.Amer': [52500, 69300, 73700, 64800, 80400, 69900, 84800],
    'Europe': [26800, 36500, 25200, 26300, 32300, 33300, 36500],
    'Asia': [7320, 837, 13800, -1920, 11600, 327, 12300],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Telephones (thousands)')
plt.tight_layout()
plt.show()
