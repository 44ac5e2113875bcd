# worldphones-1961-bar: candidate 'exact' (seed 3) — the table's values; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
region = ['N.Amer', 'Europe', 'Asia', 'S.Amer', 'Oceania', 'Africa', 'Mid.Amer']
phones = [79831, 43173, 9053, 3338, 3224, 2005, 1076]
ax.bar([str(c) for c in region], phones)
ax.set_xlabel('region')
ax.set_ylabel('phones')
ax.set_title('Telephones by region, 1961 (thousands)')
plt.tight_layout()
plt.show()
