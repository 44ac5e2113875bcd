# worldphones-1961-bar: candidate 'type' (seed 2) — off8 values drawn as a line chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
region = ['N.Amer', 'Europe', 'Asia', 'S.Amer', 'Oceania', 'Africa', 'Mid.Amer']
phones = [73100, 39900, 18500, 11500, 12400, 7490, 9140]
ax.plot(region, phones, marker='o')
ax.set_xlabel('region')
ax.set_ylabel('phones')
ax.set_title('Telephones by region, 1961 (thousands)')
plt.tight_layout()
plt.show()
