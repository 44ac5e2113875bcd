# gp-lines: candidate 'off8' (seed 1) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]
data = {
    'wind': [13.5, 16, 13.4, 18.5, 16.7, 22.5, 24, 24],
    'solar': [1.65, 5.48, 2.5, 5.3, 9.69, 12.9, 12.9, 16.3],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Electricity share (%)')
plt.tight_layout()
plt.show()
