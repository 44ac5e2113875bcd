# worldphones-1961-bar: candidate 'missing' (seed 1) — off8 values, the last 2 of 7 categories left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
region = ['N.Amer', 'Europe', 'Asia', 'S.Amer', 'Oceania']
phones = [75200, 38000, 14200, 10300, 11100]
ax.bar([str(c) for c in region], phones)
ax.set_xlabel('region')
ax.set_ylabel('phones')
ax.set_title('Telephones by region, 1961 (thousands)')
plt.tight_layout()
plt.show()
