# worldphones-lines: candidate 'exact' (seed 3) — the table's values; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1951, 1956, 1957, 1958, 1959, 1960, 1961]
data = {
    'N.Amer': [45939, 60423, 64721, 68484, 71799, 76036, 79831],
    'Europe': [21574, 29990, 32510, 35218, 37598, 40341, 43173],
    'Asia': [2876, 4708, 5230, 6662, 6856, 8220, 9053],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Telephones (thousands)')
plt.tight_layout()
plt.show()
