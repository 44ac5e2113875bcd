# worldphones-1961-bar: candidate 'off20' (seed 3) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
region = ['N.Amer', 'Europe', 'Asia', 'S.Amer', 'Oceania', 'Africa', 'Mid.Amer']
phones = [57200, 52200, 19800, 26600, 13300, 24900, 17300]
ax.bar([str(c) for c in region], phones)
ax.set_xlabel('region')
ax.set_ylabel('phones')
ax.set_title('Telephones by region, 1961 (thousands)')
plt.tight_layout()
plt.show()
