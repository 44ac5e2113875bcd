# gp-lines: candidate 'missing' (seed 2) — off8 values, the last series left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]
wind = [13.2, 12.1, 13.4, 18.3, 16.6, 19, 20.1, 24]
ax.plot(year, wind)
ax.set_xlabel('year')
ax.set_ylabel('wind')
ax.set_title('Electricity share (%)')
plt.tight_layout()
plt.show()
