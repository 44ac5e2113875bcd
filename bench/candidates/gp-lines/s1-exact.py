# gp-lines: candidate 'exact' (seed 1) — the table's values; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]
data = {
    'wind': [12.1, 13.4, 15.8, 16.2, 18.9, 21.3, 22, 25.4],
    'solar': [3.2, 4, 5.1, 6.9, 8.3, 10.6, 13.9, 17.2],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Electricity share (%)')
plt.tight_layout()
plt.show()
