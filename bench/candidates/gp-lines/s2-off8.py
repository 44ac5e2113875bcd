# gp-lines: candidate 'off8' (seed 2) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]
data = {
    'wind': [13.2, 12.1, 13.4, 18.3, 16.6, 19, 20.1, 24],
    'solar': [1.01, 6.16, 6.7, 9.53, 9.82, 12.5, 15.1, 14.9],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Electricity share (%)')
plt.tight_layout()
plt.show()
