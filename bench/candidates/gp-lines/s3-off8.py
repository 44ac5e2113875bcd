# gp-lines: candidate 'off8' (seed 3) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]
data = {
    'wind': [14, 10.8, 14.5, 18.1, 17.7, 22.7, 20.1, 27.8],
    'solar': [2.14, 6.03, 7.44, 8.39, 6.33, 9.38, 12.9, 15.7],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Electricity share (%)')
plt.tight_layout()
plt.show()
