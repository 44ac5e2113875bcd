# gp-lines: candidate 'off35' (seed 1) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]
data = {
    'wind': [16.6, 3.86, 5.45, 10.4, 27, 26.5, 13.7, 20],
    'solar': [8.9, -0.814, 16.4, -1.91, -0.874, 21.4, 25.1, 23.3],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Electricity share (%)')
plt.tight_layout()
plt.show()
